//! The `sotay-office` binary.
fn main() {
    println!("sotay-office");
}
