//! OpenAPI schemas the derive cannot state: the ranges inside [`PaymentMode`]'s tagged values
//! (1–5 years ahead; 1–120 months of a missing period, the longest any law allowed). Built only
//! with the `openapi` feature, for the office's API document.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};

use crate::entities::PaymentMode;

fn kind(name: &str, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .description(Some(description))
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .property(
            "kind",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([name])),
        )
        .required("kind")
}

fn with_value(object: ObjectBuilder, minimum: u32, maximum: u32) -> ObjectBuilder {
    object
        .property(
            "value",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(minimum))
                .maximum(Some(maximum)),
        )
        .required("value")
}

impl utoipa::PartialSchema for PaymentMode {
    fn schema() -> RefOr<Schema> {
        let modes = [
            kind("monthly", "Hằng tháng (monthly)."),
            kind("quarterly", "3 tháng một lần (every 3 months)."),
            kind("semi_annual", "6 tháng một lần (every 6 months)."),
            kind("annual", "12 tháng một lần (every 12 months)."),
            with_value(
                kind(
                    "years_ahead",
                    "Một lần cho nhiều năm về sau: `value` năm (years paid ahead at once).",
                ),
                1,
                5,
            ),
            with_value(
                kind(
                    "missing_period",
                    "Một lần cho thời gian còn thiếu: `value` tháng (months of a missing period).",
                ),
                1,
                120,
            ),
        ];
        let mut one_of = OneOfBuilder::new().description(Some(
            "Phương thức đóng (how the period is paid): `{\"kind\": …, \"value\": …}`.",
        ));
        for mode in modes {
            one_of = one_of.item(mode);
        }
        RefOr::T(Schema::OneOf(one_of.build()))
    }
}

impl utoipa::ToSchema for PaymentMode {}

#[cfg(test)]
mod tests {
    #[test]
    fn the_payment_mode_schema_names_every_mode_with_its_range() {
        let text = serde_json::to_string(&<super::PaymentMode as utoipa::PartialSchema>::schema())
            .expect("schema serializes");
        for kind in [
            "monthly",
            "quarterly",
            "semi_annual",
            "annual",
            "years_ahead",
            "missing_period",
        ] {
            assert!(text.contains(kind), "{kind} in {text}");
        }
        assert!(text.contains("\"maximum\":120"), "{text}");
    }
}
