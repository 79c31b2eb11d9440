//! The Vietnamese names of each kind of record's fields and of the values people choose in
//! them, for places that show a record field by field to a person: the dashboard's log of sync
//! conflicts says which field of which record lost a concurrent edit and what it said, as
//! "Trạng thái: Đã gửi", never `status: "submitted"`.
//!
//! The choices' names are the ones the field app shows (its `vi.json`, section `enum`); a test
//! holds the two lists equal, so a supervisor and a collector call a value the same.

use crate::EntityKind;

/// The Vietnamese name of `field` of a record of `kind` (its name on the wire, as in
/// [`crate::merge`]'s field clocks); `None` for a name no record has.
pub fn field_label_vi(kind: EntityKind, field: &str) -> Option<&'static str> {
    use EntityKind as K;
    let label = match (kind, field) {
        // Where the same name means different things in different kinds.
        (K::Village, "name") => "Tên thôn/tổ",
        (K::Village, "kind") => "Loại",
        (K::OutreachEvent, "kind") => "Hình thức",
        (K::OutreachEvent, "date") => "Ngày tổ chức",
        (K::Enrollment, "status") => "Trạng thái hồ sơ",
        (K::Enrollment, "collector_id") | (K::Payment, "collector_id") => "Người thu",
        (K::Remittance, "collector_id") => "Người nộp",
        (K::Remittance, "total") => "Tổng tiền nộp",
        (K::Remittance, "note") | (K::FollowUp, "note") => "Ghi chú",
        (K::Payment, "amount") => "Số tiền",
        (K::Payment, "method") => "Hình thức thu",
        (K::Visit, "channel") => "Cách tiếp cận",
        (K::Visit, "outcome") => "Kết quả",
        (K::Visit, "notes") => "Ghi chú lần thăm",
        (K::FollowUp, "reason") => "Lý do",
        (K::Quota, "period") => "Kỳ",
        (K::Quota, "scope") => "Giao cho",
        // The same in every kind that has it.
        (_, "id") => "Mã bản ghi",
        (_, "commune_code") => "Xã/phường",
        (_, "village_id") => "Thôn/tổ",
        (_, "household_id") => "Hộ gia đình",
        (_, "person_id") => "Người",
        (_, "enrollment_id") => "Tờ khai",
        (_, "notes") => "Ghi chú",
        (_, "location") => "Vị trí",
        (_, crate::DELETED_FIELD) => "Đã xoá",
        _ => return kind_field(kind, field),
    };
    Some(label)
}

/// The fields one kind alone has.
fn kind_field(kind: EntityKind, field: &str) -> Option<&'static str> {
    use EntityKind as K;
    Some(match (kind, field) {
        (K::Household, "address") => "Địa chỉ",
        (K::Household, "head_name") => "Chủ hộ",
        (K::Household, "poverty_status") => "Hộ nghèo, cận nghèo",
        (K::Household, "poverty_year") => "Năm xét nghèo",
        (K::Person, "full_name") => "Họ và tên",
        (K::Person, "sex") => "Giới tính",
        (K::Person, "date_of_birth") => "Ngày sinh",
        (K::Person, "personal_id") => "Số CCCD",
        (K::Person, "legacy_insurance_code") => "Mã số BHXH",
        (K::Person, "phone") => "Số điện thoại",
        (K::Person, "occupation") => "Nghề nghiệp",
        (K::Person, "ethnic_minority") => "Dân tộc thiểu số",
        (K::Person, "coverage") => "Đang tham gia",
        (K::Person, "stage") => "Giai đoạn",
        (K::Person, "decline_reason") => "Lý do từ chối",
        (K::Visit, "visited_at") => "Thời điểm thăm",
        (K::Visit, "visited_by") => "Người thăm",
        (K::Visit, "persons_met") => "Người đã gặp",
        (K::Visit, "next_follow_up") => "Hẹn lần sau",
        (K::FollowUp, "assigned_to") => "Người làm",
        (K::FollowUp, "due_date") => "Hạn",
        (K::FollowUp, "done") => "Đã xong",
        (K::OutreachEvent, "attendees") => "Số người dự",
        (K::OutreachEvent, "organiser") => "Đơn vị tổ chức",
        (K::Enrollment, "monthly_income") => "Mức thu nhập chọn đóng",
        (K::Enrollment, "payment_mode") => "Phương thức đóng",
        (K::Enrollment, "first_month") => "Tháng bắt đầu",
        (K::Enrollment, "support_groups") => "Nhóm được hỗ trợ",
        (K::Enrollment, "quote") => "Bảng tính mức đóng",
        (K::Enrollment, "status_reason") => "Lý do của cơ quan",
        (K::Payment, "months_from") => "Đóng từ tháng",
        (K::Payment, "months_to") => "Đến tháng",
        (K::Payment, "collected_at") => "Thời điểm thu",
        (K::Payment, "receipt_number") => "Số biên lai",
        (K::Remittance, "remitted_at") => "Thời điểm nộp",
        (K::Remittance, "payment_ids") => "Các khoản thu",
        (K::Quota, "target_signups") => "Chỉ tiêu đăng ký mới",
        (K::Quota, "target_renewals") => "Chỉ tiêu tái tục",
        _ => return None,
    })
}

/// The Vietnamese name of a chosen value of `field` (its name on the wire: `"submitted"`), as
/// the app shows it; `None` when the field is not a choice or the value is not one of its own.
pub fn value_label_vi(kind: EntityKind, field: &str, value: &str) -> Option<&'static str> {
    let choices = choices_of(kind, field)?;
    CHOICES
        .iter()
        .find(|(name, _)| *name == choices)
        .and_then(|(_, values)| values.iter().find(|(v, _)| *v == value))
        .map(|(_, label)| *label)
}

/// Which list of choices a field takes its values from (the names of [`CHOICES`]).
fn choices_of(kind: EntityKind, field: &str) -> Option<&'static str> {
    use EntityKind as K;
    Some(match (kind, field) {
        (K::Village, "kind") => "village_kind",
        (K::Household, "poverty_status") => "poverty_status",
        (K::Person, "sex") => "sex",
        (K::Person, "occupation") => "occupation",
        (K::Person, "coverage") => "coverage",
        (K::Person, "stage") => "stage",
        (K::Visit, "channel") => "visit_channel",
        (K::Visit, "outcome") => "visit_outcome",
        (K::FollowUp, "reason") => "follow_up_reason",
        (K::OutreachEvent, "kind") => "outreach_kind",
        (K::Enrollment, "support_groups") => "support_group",
        (K::Enrollment, "payment_mode") => "payment_mode",
        (K::Enrollment, "status") => "enrollment_status",
        (K::Payment, "method") => "payment_method",
        _ => return None,
    })
}

/// Each list of choices with the Vietnamese name of each value (the app's `enum` section of
/// `vi.json`, and the village kinds, which the app does not offer).
pub const CHOICES: &[(&str, &[(&str, &str)])] = &[
    (
        "village_kind",
        &[
            ("village", "Thôn, bản, ấp"),
            ("residential_group", "Tổ dân phố"),
        ],
    ),
    (
        "role",
        &[
            ("collector", "Đại lý thu"),
            ("post_office_collector", "Nhân viên bưu điện xã"),
            ("board_member", "Thành viên Ban vận động"),
            ("office_supervisor", "Cán bộ BHXH"),
            ("office_admin", "Quản trị"),
        ],
    ),
    (
        "poverty_status",
        &[
            ("poor", "Hộ nghèo"),
            ("near_poor", "Hộ cận nghèo"),
            ("none", "Không thuộc diện nghèo"),
        ],
    ),
    ("sex", &[("male", "Nam"), ("female", "Nữ")]),
    (
        "occupation",
        &[
            ("farmer", "Nông dân"),
            ("informal_worker", "Lao động tự do"),
            ("craft_village", "Làng nghề"),
            ("household_business", "Hộ kinh doanh"),
            ("student", "Học sinh, sinh viên"),
            ("laid_off_worker", "Người lao động nghỉ việc"),
            ("other", "Khác"),
        ],
    ),
    (
        "coverage",
        &[
            ("none", "Chưa tham gia"),
            ("compulsory", "BHXH bắt buộc"),
            ("voluntary", "BHXH tự nguyện"),
            ("health_insurance_only", "Chỉ có BHYT"),
        ],
    ),
    (
        "stage",
        &[
            ("prospect", "Tiềm năng"),
            ("contacted", "Đã tiếp cận"),
            ("interested", "Quan tâm"),
            ("enrolled", "Đã tham gia"),
            ("lapsed", "Dừng đóng"),
            ("declined", "Từ chối"),
        ],
    ),
    (
        "visit_channel",
        &[
            ("door_to_door", "Đến nhà"),
            ("phone", "Gọi điện"),
            ("meeting", "Tại buổi họp"),
        ],
    ),
    (
        "visit_outcome",
        &[
            ("not_at_home", "Không có nhà"),
            ("informed", "Đã tư vấn"),
            ("interested", "Quan tâm"),
            ("declined", "Từ chối"),
            ("signed_up", "Đã đăng ký"),
            ("paid", "Đã đóng tiền"),
        ],
    ),
    (
        "follow_up_reason",
        &[
            ("call_back", "Hẹn gọi lại"),
            ("renewal", "Đến hạn đóng tiếp"),
            ("missing_document", "Thiếu giấy tờ"),
            ("payment", "Thu tiền"),
            ("referral", "Ban vận động giới thiệu"),
        ],
    ),
    (
        "outreach_kind",
        &[
            ("conference", "Hội nghị tuyên truyền"),
            ("dialogue", "Đối thoại"),
            ("loudspeaker_broadcast", "Loa truyền thanh"),
            ("village_meeting", "Họp thôn"),
        ],
    ),
    (
        "support_group",
        &[
            ("poor", "Hộ nghèo"),
            ("near_poor", "Hộ cận nghèo"),
            ("ethnic_minority", "Người dân tộc thiểu số"),
            ("island", "Cư dân xã đảo, đặc khu"),
            ("other", "Đối tượng khác"),
        ],
    ),
    (
        "enrollment_status",
        &[
            ("draft", "Bản nháp"),
            ("submitted", "Đã gửi"),
            ("received", "Cơ quan đã nhận"),
            ("approved", "Đã duyệt"),
            ("rejected", "Bị từ chối"),
            ("needs_correction", "Cần bổ sung"),
        ],
    ),
    (
        "payment_method",
        &[("cash", "Tiền mặt"), ("transfer", "Chuyển khoản")],
    ),
    (
        "payment_mode",
        &[
            ("monthly", "Hằng tháng"),
            ("quarterly", "3 tháng một lần"),
            ("semi_annual", "6 tháng một lần"),
            ("annual", "12 tháng một lần"),
            ("years_ahead", "Một lần cho nhiều năm về sau"),
            ("missing_period", "Một lần cho thời gian còn thiếu"),
        ],
    ),
];
