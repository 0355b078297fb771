//! Names of the administrative divisions (GB/T 2260 codes) the project uses: the registration
//! localities (登记地) of the registry and the places of the demo's ID numbers. A locality is
//! stored as its 6-digit code and shown to people by its name.

/// Code → full name, as GB/T 2260 writes it under its province.
const DIVISIONS: &[(&str, &str)] = &[
    ("110000", "北京市"),
    ("110101", "北京市东城区"),
    ("110105", "北京市朝阳区"),
    ("110108", "北京市海淀区"),
    ("310000", "上海市"),
    ("310115", "上海市浦东新区"),
    ("330100", "浙江省杭州市"),
    ("330106", "浙江省杭州市西湖区"),
    ("350100", "福建省福州市"),
    ("420000", "湖北省"),
    ("420100", "湖北省武汉市"),
    ("420106", "湖北省武汉市武昌区"),
    ("420500", "湖北省宜昌市"),
    ("420502", "湖北省宜昌市西陵区"),
    ("420503", "湖北省宜昌市伍家岗区"),
    ("420504", "湖北省宜昌市点军区"),
    ("420505", "湖北省宜昌市猇亭区"),
    ("420506", "湖北省宜昌市夷陵区"),
    ("420525", "湖北省宜昌市远安县"),
    ("420526", "湖北省宜昌市兴山县"),
    ("420527", "湖北省宜昌市秭归县"),
    ("420528", "湖北省宜昌市长阳土家族自治县"),
    ("420529", "湖北省宜昌市五峰土家族自治县"),
    ("420581", "湖北省宜都市"),
    ("420582", "湖北省当阳市"),
    ("420583", "湖北省枝江市"),
    ("440300", "广东省深圳市"),
    ("440305", "广东省深圳市南山区"),
];

/// The name of division `code`, if the table has it.
pub fn division_name(code: &str) -> Option<&'static str> {
    DIVISIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

/// A locality as people read it: "湖北省宜昌市西陵区（420502）", or the code alone if the table
/// does not have it.
pub fn locality_text(code: &str) -> String {
    match division_name(code) {
        Some(name) => format!("{name}（{code}）"),
        None => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::registry::{demo_people, demo_registry};

    #[test]
    fn every_locality_and_birthplace_of_the_demo_has_a_name() {
        for e in demo_registry() {
            assert!(division_name(&e.locality).is_some(), "{}", e.locality);
            let place = &e.legal_representative.id_number.as_str()[..6];
            assert!(division_name(place).is_some(), "{place}");
        }
        for p in demo_people() {
            let place = &p.id_number.as_str()[..6];
            assert!(division_name(place).is_some(), "{place}");
        }
        assert_eq!(division_name("420502"), Some("湖北省宜昌市西陵区"));
        assert_eq!(locality_text("420502"), "湖北省宜昌市西陵区（420502）");
        assert_eq!(locality_text("999999"), "999999");
    }

    #[test]
    fn codes_are_six_digits_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for (c, n) in DIVISIONS {
            assert!(c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()), "{c}");
            assert!(!n.is_empty() && seen.insert(*c), "{c}");
        }
    }
}
