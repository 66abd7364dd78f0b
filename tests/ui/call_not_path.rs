use autodiff::grad;

fn foo(x: f64) -> f64 {
    x * 2.0
}

#[grad]
fn f(x: f64) -> f64 {
    (foo)(x)
}

fn main() {}
