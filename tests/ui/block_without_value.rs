use autodiff::grad;

#[grad]
fn f(x: f64) -> f64 {
    let y = {
        let _z = x;
    };
    let _ = y;
    x
}

fn main() {}
