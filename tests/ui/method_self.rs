use autodiff::grad;

struct S;

impl S {
    #[grad]
    fn f(&self, x: f64) -> f64 {
        x * x
    }
}

fn main() {}
