use autodiff::grad;

mod physics {
    pub fn spring(x: f64, k: f64) -> f64 {
        0.5 * k * x * x
    }
}

#[grad]
fn energy(x: f64) -> f64 {
    physics::spring(x, 2.0) + x
}

fn main() {}
