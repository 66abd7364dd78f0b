use autodiff::grad;

#[grad]
fn assigns_a_capture(x: f64) -> f64 {
    let mut s = 0.0;
    let mut add = |v: f64| s += v;
    add(x);
    s
}

#[grad]
fn passed_on(x: f64) -> f64 {
    let square = |t: f64| t * t;
    let g = square;
    g(x)
}

#[grad]
fn called_where_made(x: f64) -> f64 {
    (|t: f64| t * t)(x)
}

#[grad]
fn move_copies_an_array(x: f64) -> f64 {
    let mut buf = [0.0; 2];
    buf[1] = x;
    let first = move |k: usize| buf[k];
    buf[0] = 2.0;
    first(0) + buf[0]
}

fn main() {}
