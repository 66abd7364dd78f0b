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
fn f(x: f64) -> f64 {
    x.foo()
}

fn main() {}
