use autodiff::grad;

#[grad]
fn unknown_adaptor(x: &[f64]) -> f64 {
    x.iter().peekable().map(|v| v * v).sum::<f64>()
}

#[grad]
fn zipped_with_a_filter(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y.iter().filter(|v| **v > 0.0)).map(|(a, b)| a * b).sum::<f64>()
}

#[grad]
fn closure_that_returns(x: &[f64]) -> f64 {
    x.iter().map(|v| if *v > 0.0 { return 1.0 } else { v * v }).sum::<f64>()
}

#[grad]
fn pair_bound_to_a_name(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|p| p.0 * p.1).sum::<f64>()
}

#[grad]
fn pair_folded_by_a_name(x: &[f64]) -> f64 {
    x.iter().enumerate().fold(0.0, |a, p| a + p.1)
}

#[grad]
fn copy_written_in_the_loop(x: f64) -> f64 {
    let mut buf = [x, 2.0 * x, 3.0];
    let mut s = 0.0;
    for v in buf {
        buf[2] = v;
        s += v * buf[2];
    }
    s
}

#[grad]
fn copy_written_by_a_closure(x: f64) -> f64 {
    let mut buf = [x, 2.0 * x, 3.0];
    buf.into_iter().for_each(|v| buf[0] += v);
    buf[0]
}

fn main() {}
