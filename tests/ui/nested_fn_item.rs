use autodiff::grad;

#[grad]
fn f(x: f64) -> f64 {
    fn helper() -> i32 {
        2
    }
    x.powi(helper())
}

fn main() {}
