//! Renders a sample certificate (and a revoked one) and times repeated renders:
//! `cargo run --release -p skillcert-certpdf --example sample -- OUT_DIR [N]`.

use std::time::Instant;

use skillcert_certpdf::{PrintedCertificate, Renderer, verification_url};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().unwrap_or_else(|| ".".to_owned()));
    let n: usize = args.next().map_or(Ok(20), |n| n.parse())?;
    let started = Instant::now();
    let renderer = Renderer::from_dir("/usr/share/fonts/opentype/noto")?;
    println!("fonts: {:?} in {:?}", renderer.faces(), started.elapsed());
    let number = "S000041410101265000001";
    let mut certificate = PrintedCertificate {
        number: number.to_owned(),
        name: "张三丰".to_owned(),
        id_type: "居民身份证".to_owned(),
        id_number_masked: "410105********123X".to_owned(),
        occupation: "4-01-02-01 电子商务师".to_owned(),
        work_type: Some("网商".to_owned()),
        level: "五级/初级工".to_owned(),
        institution: "河南省测试职业培训学校".to_owned(),
        issue_date: "2026年3月12日".to_owned(),
        verify_url: verification_url("http://127.0.0.1:8080", number, "7K3M9QXA"),
        key_id: "0123456789abcdef".to_owned(),
        revoked: false,
    };
    std::fs::write(out.join("sample.pdf"), renderer.render(&certificate)?)?;
    certificate.revoked = true;
    std::fs::write(
        out.join("sample-revoked.pdf"),
        renderer.render(&certificate)?,
    )?;
    certificate.revoked = false;
    let started = Instant::now();
    let mut bytes = 0;
    for i in 0..n {
        certificate.name = format!("学员{i}号");
        bytes += renderer.render(&certificate)?.len();
    }
    let elapsed = started.elapsed();
    println!(
        "{n} renders in {elapsed:?}: {:.1} ms each, {} bytes average",
        elapsed.as_secs_f64() * 1000.0 / n as f64,
        bytes / n.max(1)
    );
    Ok(())
}
