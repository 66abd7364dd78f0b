use autodiff::grad;

#[grad]
struct S {
    x: f64,
}

fn main() {}
