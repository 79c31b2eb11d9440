//! The one list of the kinds of record that sync, and everything generated from it: the
//! [`EntityKind`] enum (wire and table names, Vietnamese labels), the [`Entity`] trait every
//! record type implements, and a visitor ([`KindVisitor`]) that turns a kind known only at run
//! time into a call generic over its type.
//!
//! Every crate that does something "for each kind" (the store's tables and repositories, the
//! office's typed check) generates it from [`for_each_entity!`](crate::for_each_entity), so a new kind is its struct
//! with `Validate` and `Normalize`, its table migration, its store `Record` (columns) and one
//! line here — and the compiler points at anything it still lacks.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::entities::{
    Enrollment, FollowUp, Household, Id, OutreachEvent, Payment, Person, Quota, Remittance,
    Village, Visit,
};
use crate::validate::{Normalize, Validate};

/// Calls the macro `$callback` with the list of record kinds, one
/// `(Type, snake_name, plural_name, "Vietnamese label")` per kind, parents before children.
#[macro_export]
macro_rules! for_each_entity {
    ($callback:ident) => {
        $callback! {
            (Village, village, villages, "thôn/tổ dân phố"),
            (Household, household, households, "hộ gia đình"),
            (Person, person, persons, "người"),
            (Visit, visit, visits, "lượt tiếp cận"),
            (FollowUp, follow_up, follow_ups, "việc cần làm"),
            (OutreachEvent, outreach_event, outreach_events, "hoạt động tuyên truyền"),
            (Enrollment, enrollment, enrollments, "tờ khai"),
            (Payment, payment, payments, "khoản thu"),
            (Remittance, remittance, remittances, "lần nộp tiền"),
            (Quota, quota, quotas, "chỉ tiêu"),
        }
    };
}

/// A record type that syncs: its kind, its id, and the rules every record obeys.
pub trait Entity:
    Serialize + DeserializeOwned + Validate + Normalize + Clone + PartialEq + std::fmt::Debug + Send
{
    /// Which kind of record.
    const KIND: EntityKind;
    /// The record's id (uuid v7).
    fn id(&self) -> Id;
}

/// Something done with one kind of record, by its type: [`EntityKind::visit`] calls
/// [`KindVisitor::visit`] with the type of the kind it is given.
pub trait KindVisitor {
    /// What the visit returns.
    type Output;
    /// Does the work for the record type `E`.
    fn visit<E: Entity>(self) -> Self::Output;
}

macro_rules! define_kinds {
    ($(($ty:ident, $snake:ident, $plural:ident, $label:literal)),* $(,)?) => {
        /// The kinds of record that sync (generated from [`for_each_entity!`](crate::for_each_entity)).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum EntityKind {
            $( #[doc = $label] $ty, )*
        }

        impl EntityKind {
            /// Every kind, in an order where parents come before children.
            pub const ALL: &'static [EntityKind] = &[$(EntityKind::$ty),*];

            /// The Vietnamese name users know the kind by, for messages.
            pub fn label_vi(self) -> &'static str {
                match self { $(EntityKind::$ty => $label,)* }
            }

            /// The snake_case name, as on the wire and in the office's `records.entity`.
            pub fn as_str(self) -> &'static str {
                match self { $(EntityKind::$ty => stringify!($snake),)* }
            }

            /// The plural name: the device's table of the kind.
            pub fn plural(self) -> &'static str {
                match self { $(EntityKind::$ty => stringify!($plural),)* }
            }

            /// Parses the snake_case name.
            pub fn parse(name: &str) -> Option<EntityKind> {
                match name { $(stringify!($snake) => Some(EntityKind::$ty),)* _ => None }
            }

            /// Calls `visitor` with this kind's record type.
            pub fn visit<V: KindVisitor>(self, visitor: V) -> V::Output {
                match self { $(EntityKind::$ty => visitor.visit::<$ty>(),)* }
            }
        }

        $(
            impl Entity for $ty {
                const KIND: EntityKind = EntityKind::$ty;
                fn id(&self) -> Id {
                    self.id
                }
            }
        )*
    };
}

for_each_entity!(define_kinds);

#[cfg(test)]
mod tests {
    use super::*;

    struct Name;
    impl KindVisitor for Name {
        type Output = EntityKind;
        fn visit<E: Entity>(self) -> EntityKind {
            E::KIND
        }
    }

    #[test]
    fn every_kind_parses_its_name_and_visits_its_own_type() {
        assert_eq!(EntityKind::ALL.len(), 10);
        for &kind in EntityKind::ALL {
            assert_eq!(EntityKind::parse(kind.as_str()), Some(kind));
            assert_eq!(kind.visit(Name), kind, "{kind:?} visits its own type");
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::from(kind.as_str())),
                "the wire name is the snake name"
            );
            assert!(kind.plural().starts_with(kind.as_str()));
            assert!(!kind.label_vi().is_empty());
        }
        assert_eq!(EntityKind::parse("nothing"), None);
    }
}
