use autodiff::grad;

trait Twice {
    fn twice<T>(self) -> f64;
}

impl Twice for f64 {
    fn twice<T>(self) -> f64 {
        self * 2.0
    }
}

#[grad]
fn f(x: f64) -> f64 {
    x.twice::<i32>()
}

fn main() {}
