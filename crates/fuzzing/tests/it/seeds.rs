//! The seed corpora, made from the project's own fixtures: valid samples of every input, and a
//! few edge cases (empty, truncated, the wrong version). Deterministic, so a rerun changes
//! nothing. Run with `cargo test -p yizhao-fuzzing --test it -- --ignored write_seed_corpora`.

use std::io::Cursor;

use yizhao_domain::registry::{COLUMNS, demo_registry};
use yizhao_fuzzing::fixtures::{DAY, NOW, pki};
use yizhao_gm::x509::{Oid, random_serial};
use yizhao_impression::{Adjustments, process, sample::seal_photo};
use yizhao_proto::qr::{
    QrAnswer, QrPhase, QrRequestBody, QrStatus, SignedQrRequest, qr_answer_message, qr_link,
};
use yizhao_proto::seal::{ImpressionQrAnswer, ImpressionQrPayload, UploadImpression};
use yizhao_ses::{
    CertList, ExtData, Header, Picture, PropertyInfo, Seal, SealInfo, SealSignature, ToSign,
};

use super::corpus_root;

fn picture() -> Vec<u8> {
    process(&seal_photo(48), &Adjustments::default())
        .unwrap()
        .png
}

fn seal(cert_list: CertList, ext_datas: Option<Vec<ExtData>>) -> Seal {
    let pki = pki();
    let info = SealInfo {
        header: Header::v4("yizhao"),
        es_id: "91420500MA000RP01X-TB-0001".into(),
        property: PropertyInfo {
            seal_type: 6,
            name: "宜昌市示范建设工程有限公司投标专用章".into(),
            cert_list,
            create_date: NOW - DAY,
            valid_start: NOW - DAY,
            valid_end: NOW + 365 * DAY,
        },
        picture: Picture::png(picture(), 40, 40),
        ext_datas,
    };
    Seal::build(&info, &pki.leaf_key, &pki.leaf).unwrap()
}

fn ses_seals() -> Vec<(&'static str, Vec<u8>)> {
    let pki = pki();
    let certs = seal(CertList::Certs(vec![pki.leaf.to_der().to_vec()]), None);
    let digests = seal(
        CertList::sm3_digests_of(&[pki.leaf.to_der()]),
        Some(vec![ExtData {
            id: Oid::yizhao(&[4, 1]),
            critical: true,
            value: b"grant 7".to_vec(),
        }]),
    );
    let der = certs.to_der().to_vec();
    vec![
        ("seed-certs", der.clone()),
        ("seed-digests-ext", digests.to_der().to_vec()),
        ("seed-truncated", der[..der.len() / 2].to_vec()),
        ("seed-empty-sequence", vec![0x30, 0x00]),
        ("seed-empty", vec![]),
    ]
}

fn ses_signatures() -> Vec<(&'static str, Vec<u8>)> {
    let pki = pki();
    let s = seal(CertList::Certs(vec![pki.leaf.to_der().to_vec()]), None);
    let plain = ToSign::new(s.clone(), b"original", "contract.pdf", NOW);
    let mut ext = ToSign::new(s, b"original", "contract.pdf", NOW);
    ext.ext_datas = Some(vec![ExtData {
        id: Oid::yizhao(&[4, 2]),
        critical: false,
        value: vec![1, 2, 3],
    }]);
    let a = SealSignature::sign(&plain, &pki.leaf_key, &pki.leaf).unwrap();
    let b = SealSignature::sign(&ext, &pki.leaf_key, &pki.leaf).unwrap();
    let der = a.to_der().to_vec();
    vec![
        ("seed-plain", der.clone()),
        ("seed-ext", b.to_der().to_vec()),
        ("seed-truncated", der[..der.len() - 7].to_vec()),
        ("seed-empty", vec![]),
    ]
}

fn certificates() -> Vec<(&'static str, Vec<u8>)> {
    let pki = pki();
    let leaf = pki.leaf.to_der().to_vec();
    vec![
        ("seed-root", pki.root.to_der().to_vec()),
        ("seed-issuing", pki.issuing.to_der().to_vec()),
        ("seed-relying-party", leaf.clone()),
        ("seed-truncated", leaf[..leaf.len() - 1].to_vec()),
        ("seed-empty", vec![]),
    ]
}

fn crls() -> Vec<(&'static str, Vec<u8>)> {
    let pki = pki();
    let mut rng = yizhao_gm::testing::SeededRng::new(16);
    let serials: Vec<Vec<u8>> = (0..3).map(|_| random_serial(&mut rng)).collect();
    let entries: Vec<_> = serials.iter().map(|s| (s.as_slice(), NOW - DAY)).collect();
    let empty = yizhao_gm::crl::Crl::issue(&pki.root, &pki.root_key, NOW, NOW + DAY, &[]).unwrap();
    let three =
        yizhao_gm::crl::Crl::issue(&pki.issuing, &pki.issuing_key, NOW, NOW + DAY, &entries)
            .unwrap();
    let der = pki.crl.to_der().to_vec();
    vec![
        ("seed-one", der.clone()),
        ("seed-none", empty.to_der().to_vec()),
        ("seed-three", three.to_der().to_vec()),
        ("seed-truncated", der[..der.len() - 3].to_vec()),
    ]
}

fn registries() -> Vec<(&'static str, Vec<u8>)> {
    let write = |header: &[&str], n: usize| {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(header).unwrap();
        for e in demo_registry().iter().take(n) {
            let fields = e.fields();
            w.write_record(
                header
                    .iter()
                    .map(|h| fields[COLUMNS.iter().position(|c| c == h).unwrap()]),
            )
            .unwrap();
        }
        w.into_inner().unwrap()
    };
    let mut reversed = COLUMNS;
    reversed.reverse();
    let mut bom = "\u{feff}".as_bytes().to_vec();
    bom.extend(write(&COLUMNS, 1));
    let mut bad = write(&COLUMNS, 2);
    bad.extend_from_slice(b"91420500MA000RP01X,,,,,,,,,,,,\n\"unterminated\n");
    vec![
        ("seed-three", write(&COLUMNS, 3)),
        ("seed-reversed", write(&reversed, 2)),
        ("seed-bom", bom),
        ("seed-header-only", COLUMNS.join(",").into_bytes()),
        ("seed-bad-rows", bad),
    ]
}

fn impressions() -> Vec<(&'static str, Vec<u8>)> {
    let photo = seal_photo(40);
    let img = image::load_from_memory(&photo).unwrap();
    let mut jpeg = Cursor::new(Vec::new());
    img.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    vec![
        ("seed-photo.png", photo.clone()),
        ("seed-photo.jpg", jpeg.into_inner()),
        ("seed-processed.png", picture()),
        ("seed-png-header-only", photo[..33].to_vec()),
    ]
}

fn qr_answers() -> Vec<(&'static str, Vec<u8>)> {
    let pki = pki();
    let id = "req_0123456789abcdef";
    let login = QrRequestBody {
        id: id.into(),
        kind: "login".into(),
        requester_id: "yichang-ggzy".into(),
        requester_name_claimed: Some("宜昌市公共资源交易平台".into()),
        matter: yizhao_fuzzing::fixtures::MATTER.into(),
        nonce: "bm9uY2U".into(),
        expires_at: (NOW + 300) as i64,
        session_hash: "c2Vzc2lvbg".into(),
        payload: serde_json::Value::Null,
    };
    let upload = UploadImpression {
        uscc: "91420500MA000RP01X".into(),
        seal_type: "bidding".into(),
        shape: "round".into(),
        width_mm: 40,
        height_mm: 40,
        picture: picture(),
        accepted_terms: true,
    };
    let impression = QrRequestBody {
        kind: "impression".into(),
        payload: serde_json::to_value(ImpressionQrPayload {
            challenge: "Y2hhbGxlbmdl".into(),
            upload: serde_json::to_string(&upload).unwrap(),
        })
        .unwrap(),
        ..login.clone()
    };
    let signed = |body: &QrRequestBody| {
        let text = serde_json::to_string(body).unwrap();
        SignedQrRequest {
            signature: pki.leaf_key.sign(text.as_bytes()).unwrap(),
            body: text,
            requester_certificate: pki.leaf.to_der().to_vec(),
        }
    };
    let login_text = serde_json::to_string(&login).unwrap();
    let answer = QrAnswer {
        request_id: id.into(),
        nonce: login.nonce.clone(),
        certificate: pki.leaf.to_der().to_vec(),
        chain: vec![pki.issuing.to_der().to_vec(), pki.root.to_der().to_vec()],
        signature: pki
            .leaf_key
            .sign(&qr_answer_message(&login_text, &login.nonce))
            .unwrap(),
        payload: serde_json::to_value(ImpressionQrAnswer {
            upload_signature: vec![7; 72],
        })
        .unwrap(),
    };
    let status = QrStatus {
        id: id.into(),
        state: QrPhase::Answered,
        short_code: Some("123456".into()),
        expires_at: (NOW + 300) as i64,
        error: None,
    };
    let json = |v: &dyn erased::Json| v.json();
    vec![
        (
            "seed-link",
            qr_link("https://yizhao.example.cn/platform", id).into_bytes(),
        ),
        ("seed-answer.json", json(&answer)),
        ("seed-signed-login.json", json(&signed(&login))),
        ("seed-signed-impression.json", json(&signed(&impression))),
        ("seed-body-impression.json", json(&impression)),
        ("seed-status.json", json(&status)),
    ]
}

mod erased {
    /// A value written as JSON, for a list of seeds of several types.
    pub trait Json {
        fn json(&self) -> Vec<u8>;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> Vec<u8> {
            serde_json::to_vec(self).unwrap()
        }
    }
}

fn qr_images() -> Vec<(&'static str, Vec<u8>)> {
    let link = qr_link("https://yizhao.example.cn/platform", "req_0123456789abcdef");
    let code = qrcode::QrCode::new(link.as_bytes()).unwrap();
    let img = code
        .render::<image::Luma<u8>>()
        .module_dimensions(2, 2)
        .build();
    let mut png = Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let mut jpeg = Cursor::new(Vec::new());
    img.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    vec![
        ("seed-link.png", png.into_inner()),
        ("seed-link.jpg", jpeg.into_inner()),
        ("seed-no-code.png", seal_photo(24)),
    ]
}

#[test]
#[ignore = "writes the committed seed corpora"]
fn write_seed_corpora() {
    let all = [
        ("ses_seal", ses_seals()),
        ("ses_signature", ses_signatures()),
        ("x509_certificate", certificates()),
        ("x509_crl", crls()),
        ("registry_csv", registries()),
        ("impression", impressions()),
        ("qr_answer", qr_answers()),
        ("qr_image", qr_images()),
    ];
    for (target, seeds) in all {
        let dir = corpus_root().join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, data) in seeds {
            std::fs::write(dir.join(name), data).unwrap();
        }
    }
}
