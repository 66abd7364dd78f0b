use autodiff::grad;

const DT: f64 = 0.01;

#[grad]
fn euler(x: f64, dt: f64) -> f64 {
    x + dt * x.sin()
}

#[grad]
fn two_steps(x: f64) -> f64 {
    let y = euler(x, DT);
    euler(y, DT)
}

fn main() {}
