//! Counting through certificate numbers reveals no one (SPEC §6): a batch is walked to
//! published certificates through the real binary, then an anonymous client asks for every
//! serial around them with the number alone. The answers say which numbers are valid
//! certificates and nothing else: no holder's name, ID number or masked ID occurs in any byte.
//! Then the same client asks at the default rate limit and is stopped, still learning no one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use skillcert_e2e::scenario::{Walk, batch_body, lookup_answer, walk};
use skillcert_e2e::{Api, Site, backends};

/// Serials asked for on either side of the batch's certificates.
const AROUND: u32 = 10;

/// The numbers from `AROUND` below the lowest of `numbers` to `AROUND` above the highest.
fn neighbourhood(numbers: &[&str]) -> Vec<String> {
    let prefix = &numbers[0][..16];
    assert!(numbers.iter().all(|n| &n[..16] == prefix), "{numbers:?}");
    let serials: Vec<u32> = numbers.iter().map(|n| n[16..].parse().unwrap()).collect();
    let low = serials.iter().min().unwrap().saturating_sub(AROUND).max(1);
    let high = serials.iter().max().unwrap() + AROUND;
    (low..=high).map(|s| format!("{prefix}{s:06}")).collect()
}

/// Nothing of any holder in `bytes`.
fn assert_names_no_one(bytes: &[u8], secrets: &[String]) {
    let text = String::from_utf8_lossy(bytes);
    for secret in secrets {
        assert!(!text.contains(secret.as_str()), "{secret} in {text}");
    }
    assert!(!text.contains("考生"), "a name in {text}");
}

async fn walk_and_count(api: &Api) -> (Vec<String>, Vec<String>) {
    let plan = Walk {
        owner: "emp1",
        body: batch_body("supervised", "exam", 20, "4101"),
        first: 41,
        count: 4,
        pass: 3,
        students: false,
    };
    let walked = walk(api, &plan).await;
    assert_eq!(walked.batch["status"], "completed", "{}", walked.batch);
    assert_eq!(walked.holders.len(), 3);
    let mut secrets = Vec::new();
    for holder in &walked.holders {
        secrets.push(holder.name.clone());
        secrets.push(holder.id_number.clone());
        secrets.push(holder.id_number[..6].to_owned());
        secrets.push(holder.id_number[14..].to_owned());
    }
    let issued: Vec<String> = walked.holders.iter().map(|h| h.number.clone()).collect();
    (issued, secrets)
}

#[tokio::test]
async fn counting_through_serial_numbers_reveals_no_one() {
    for backend in backends() {
        // A quota large enough for the whole count; the limit itself is checked below.
        let site = Site::new(
            backend,
            &[
                ("SKILLCERT__CERTIFICATES__LOOKUP_BURST", "1000"),
                ("SKILLCERT__CERTIFICATES__LOOKUP_PER_MINUTE", "1000"),
            ],
        )
        .await;
        let server = site.serve().await;
        let api = server.api.clone();
        let (issued, secrets) = walk_and_count(&api).await;

        // -- Exec: every serial around the batch's, by number alone
        let numbers = neighbourhood(&issued.iter().map(String::as_str).collect::<Vec<_>>());
        // Serials start at 1: the batch's, then `AROUND` more (and as many below as there are).
        assert!(
            numbers.len() >= issued.len() + AROUND as usize,
            "{numbers:?}"
        );
        let mut valid = Vec::new();
        for number in &numbers {
            let answer = lookup_answer(&api, &[("number", number)]).await;
            // -- Check: validity only, never whose
            assert_names_no_one(&answer.bytes, &secrets);
            match answer.status {
                200 => {
                    let keys: Vec<&String> = answer.json.as_object().unwrap().keys().collect();
                    assert_eq!(keys, ["items", "validity"], "{}", answer.json);
                    assert_eq!(answer.json["items"], serde_json::json!([]));
                    let validity = answer.json["validity"].as_object().unwrap();
                    let mut fields: Vec<&String> = validity.keys().collect();
                    fields.sort();
                    assert_eq!(fields, ["number", "signature_valid", "status"]);
                    assert_eq!(validity["status"], "valid");
                    valid.push(number.clone());
                }
                404 => assert_eq!(answer.code(), "NOT_FOUND"),
                other => panic!("{number}: {other} {}", answer.json),
            }
        }
        // Exactly the batch's certificates are valid (the failed candidate has none).
        let mut expected = issued.clone();
        expected.sort();
        assert_eq!(valid, expected);
        drop(server);
        site.finish().await;
    }
}

#[tokio::test]
async fn the_default_limit_stops_a_count_and_still_names_no_one() {
    for backend in backends() {
        let site = Site::new(backend, &[]).await;
        let server = site.serve().await;
        let api = server.api.clone();
        let (issued, secrets) = walk_and_count(&api).await;
        let numbers = neighbourhood(&issued.iter().map(String::as_str).collect::<Vec<_>>());

        // -- Exec: the count at full speed from one address
        let mut statuses = Vec::new();
        for number in &numbers {
            let answer = lookup_answer(&api, &[("number", number)]).await;
            assert_names_no_one(&answer.bytes, &secrets);
            if answer.status == 429 {
                assert_eq!(answer.code(), "RATE_LIMITED");
            }
            statuses.push(answer.status);
        }

        // -- Check: the default burst (10) answers, then 429
        assert!(
            statuses[..10].iter().all(|s| *s == 200 || *s == 404),
            "{statuses:?}"
        );
        assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
        drop(server);
        site.finish().await;
    }
}
