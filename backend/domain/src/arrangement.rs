//! Staff double-booking (SPEC §3 考务安排; issue 6): a 考评员 or 监考 — one person, known by the
//! certificate number on their 考评员/监考 certificate — cannot work two sessions that overlap in
//! time, whether the sessions belong to one batch or to two batches of different institutions.

use serde_json::json;
use time::OffsetDateTime;

use crate::rules::{RuleCode, Violation};

/// One person in one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// The person's certificate number, trimmed; compared without regard to ASCII case.
    pub certificate_no: String,
    pub name: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    /// Where the booking is: for the arrangement being saved, the staff and session positions.
    pub at: BookingPlace,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingPlace {
    /// In the arrangement being saved: `staff[staff].sessions` names session `session`.
    Own { staff: usize, session: usize },
    /// In another batch's arrangement (described for the message, e.g. its venue and number).
    Other { batch: String },
}

/// Two sessions overlap when each starts before the other ends (a session that ends at 11:00
/// and one that starts at 11:00 do not).
pub fn overlaps(a: &Booking, b: &Booking) -> bool {
    a.starts_at < b.ends_at && b.starts_at < a.ends_at
}

fn same_person(a: &Booking, b: &Booking) -> bool {
    a.certificate_no.eq_ignore_ascii_case(&b.certificate_no)
}

/// STAFF_DOUBLE_BOOKED: every booking of the arrangement being saved (`own`) that overlaps
/// another booking of the same person, in `own` or in `others` (the other batches'). Each
/// clashing pair inside `own` is reported once.
pub fn double_bookings(own: &[Booking], others: &[Booking]) -> Vec<Violation> {
    let mut out = Vec::new();
    for (i, booking) in own.iter().enumerate() {
        let BookingPlace::Own { staff, session } = booking.at else {
            continue;
        };
        let clashes = own
            .iter()
            .skip(i + 1)
            .chain(others.iter())
            .filter(|other| same_person(booking, other) && overlaps(booking, other));
        for other in clashes {
            let with = match &other.at {
                BookingPlace::Own { session, .. } => format!("本批次场次 {} 的时间", session + 1),
                BookingPlace::Other { batch } => format!("其他批次场次（{batch}）"),
            };
            out.push(
                Violation::new(
                    RuleCode::StaffDoubleBooked,
                    format!(
                        "{}（证书编号 {}）在场次 {} 的时间与{}重叠，同一人员不能同时在两个场次工作",
                        booking.name,
                        booking.certificate_no,
                        session + 1,
                        with
                    ),
                )
                .field(format!("staff[{staff}].sessions"))
                .details(json!({
                    "certificate_no": booking.certificate_no,
                    "session": session,
                    "starts_at": booking.starts_at.unix_timestamp(),
                    "ends_at": booking.ends_at.unix_timestamp(),
                    "clash_starts_at": other.starts_at.unix_timestamp(),
                    "clash_ends_at": other.ends_at.unix_timestamp(),
                    "clash": with,
                })),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn own(
        cert: &str,
        staff: usize,
        session: usize,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Booking {
        Booking {
            certificate_no: cert.into(),
            name: "张三".into(),
            starts_at: from,
            ends_at: to,
            at: BookingPlace::Own { staff, session },
        }
    }

    fn other(cert: &str, from: OffsetDateTime, to: OffsetDateTime) -> Booking {
        Booking {
            certificate_no: cert.into(),
            name: "张三".into(),
            starts_at: from,
            ends_at: to,
            at: BookingPlace::Other {
                batch: "洛阳考点".into(),
            },
        }
    }

    #[test]
    fn back_to_back_sessions_do_not_clash() {
        let a = own(
            "KP001",
            0,
            0,
            datetime!(2026-03-10 09:00 +8),
            datetime!(2026-03-10 11:00 +8),
        );
        let b = own(
            "KP001",
            0,
            1,
            datetime!(2026-03-10 11:00 +8),
            datetime!(2026-03-10 12:00 +8),
        );
        assert!(double_bookings(&[a, b], &[]).is_empty());
    }

    #[test]
    fn overlap_inside_one_arrangement_is_reported_once() {
        let a = own(
            "KP001",
            0,
            0,
            datetime!(2026-03-10 09:00 +8),
            datetime!(2026-03-10 11:00 +8),
        );
        let b = own(
            "kp001",
            0,
            1,
            datetime!(2026-03-10 10:30 +8),
            datetime!(2026-03-10 12:00 +8),
        );
        let v = double_bookings(&[a, b], &[]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].code, RuleCode::StaffDoubleBooked);
        assert_eq!(v[0].field.as_deref(), Some("staff[0].sessions"));
        assert!(
            v[0].message.contains("本批次场次 2 的时间重叠"),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn overlap_with_another_batch_across_time_zones() {
        // 01:30 UTC is 09:30 China time: inside the other batch's 09:00–11:00 session.
        let a = own(
            "KP001",
            2,
            0,
            datetime!(2026-03-10 01:30 UTC),
            datetime!(2026-03-10 03:30 UTC),
        );
        let b = other(
            "KP001",
            datetime!(2026-03-10 09:00 +8),
            datetime!(2026-03-10 11:00 +8),
        );
        let v = double_bookings(std::slice::from_ref(&a), std::slice::from_ref(&b));
        assert_eq!(v.len(), 1);
        assert!(v[0].message.contains("洛阳考点"));
        let other_person = Booking {
            certificate_no: "KP002".into(),
            ..b
        };
        assert!(double_bookings(&[a], &[other_person]).is_empty());
    }
}
