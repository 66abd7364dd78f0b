use autodiff::grad;

trait Foo {
    fn foo(self) -> f64;
}

impl Foo for f64 {
    fn foo(self) -> f64 {
        self * 2.0
    }
}

#[grad]
fn f<T>(x: f64, y: f64, n: i32) -> f64 {
    println!("x = {x}");
    let a = x.foo();
    let b = 'outer: loop { break 'outer x; };
    let c = if x > y { x } else { y };
    a + b + c
}

fn main() {}
