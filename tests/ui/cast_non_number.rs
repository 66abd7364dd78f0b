use autodiff::grad;

#[grad]
fn f(x: f64, n: u8) -> f64 {
    let c = n as char;
    x.powi(c.len_utf8() as i32)
}

fn main() {}
