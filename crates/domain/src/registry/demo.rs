//! The demo registry: fictional enterprises of Yichang and elsewhere, and the cast of the demo
//! scenario (SCENARIO.md). Deterministic, and every code and ID number is completed with a check
//! character computed here, so none can be wrong by hand.

use super::{Enterprise, Person, Phone};
use crate::ids::{IdNumber, Uscc};

/// One enterprise a line: name | locality | type | trade (a key of [`scope`]) | legal
/// representative | sex (M/F) | birth date | ID address code | registered capital in 万元 |
/// established | end of term (or 长期) | street address within the locality.
const ENTERPRISES: &str = "\
宜昌市示范建设工程有限公司|420502|有限责任公司(自然人投资或控股)|施工|张伟|M|19780315|420502|5000|2010-05-12|长期|东山大道168号
宜昌峡江路桥建设有限公司|420503|有限责任公司(自然人投资或控股)|路桥|刘洋|M|19750822|420503|8000|2008-09-03|2038-09-02|伍临路66号
宜昌云帆信息技术有限公司|420502|有限责任公司(自然人独资)|信息|陈晓燕|F|19880504|420502|500|2016-03-21|长期|夷陵大道58号
宜昌鼎诚工程造价咨询有限公司|420503|有限责任公司(自然人投资或控股)|造价|黄海涛|M|19800117|420525|300|2012-07-09|长期|中南路12号
宜昌江源工程监理有限公司|420504|有限责任公司(自然人投资或控股)|监理|杨帆|M|19790928|420504|600|2009-11-15|2039-11-14|点军大道26号
宜昌猇亭新材料科技有限公司|420505|股份有限公司(非上市、自然人投资或控股)|化工|何建军|M|19710306|420505|12000|2006-04-18|长期|猇亭大道399号
宜昌夷陵水利水电工程有限公司|420506|有限责任公司(国有独资)|水利|罗志刚|M|19730611|420506|6000|2005-08-26|长期|夷兴大道87号
宜都市清江园林绿化工程有限公司|420581|有限责任公司(自然人投资或控股)|园林|谢丽|F|19820219|420581|1000|2013-05-30|2043-05-29|清江大道15号
当阳市长坂建材贸易有限公司|420582|有限责任公司(自然人独资)|建材|韩冬|M|19840712|420582|800|2014-10-08|长期|玉阳路208号
枝江市江口电力安装工程有限公司|420583|有限责任公司(自然人投资或控股)|电力|唐明|M|19770404|420583|2000|2011-01-20|长期|迎宾大道36号
宜昌市安居物业服务有限公司|420500|有限责任公司(非自然人投资或控股的法人独资)|物业|冯秀兰|F|19760915|420526|300|2007-06-06|长期|高新区发展大道57号
宜昌西陵医疗器械有限公司|420502|有限责任公司(自然人投资或控股)|医械|曹丽娟|F|19860128|420502|1000|2017-09-12|长期|解放路41号
宜昌市示范规划设计有限公司|420500|有限责任公司(国有独资)|设计|邓华|M|19720830|420500|1500|2003-12-01|长期|沿江大道122号
宜昌恒信检测技术有限公司|420503|有限责任公司(自然人投资或控股)|检测|许敏|F|19831111|420527|500|2015-08-18|长期|桔城路9号
宜昌点军生态农业发展有限公司|420504|有限责任公司(自然人投资或控股)|农业|苏建国|M|19690507|420504|3000|2012-03-15|2042-03-14|江南大道318号
宜昌猇亭港口物流有限公司|420505|有限责任公司(非自然人投资或控股的法人独资)|物流|蒋涛|M|19810224|420505|5000|2010-10-10|长期|港城路1号
宜昌夷陵建筑安装工程有限公司|420506|有限责任公司(自然人投资或控股)|施工|沈红梅|F|19740719|420528|3000|2004-02-27|长期|东湖大道112号
宜都市红花套建筑劳务有限公司|420581|有限责任公司(自然人独资)|劳务|彭勇|M|19850303|420581|200|2018-04-16|长期|红花套镇渡口路5号
当阳市玉泉信息科技有限公司|420582|有限责任公司(自然人独资)|信息|吕婷|F|19900618|420582|100|2020-06-01|长期|子龙路77号
枝江市安福寺环境工程有限公司|420583|有限责任公司(自然人投资或控股)|环境|袁伟|M|19820808|420583|1000|2016-11-11|长期|安福寺镇桂花路3号
宜昌市示范教育装备有限公司|420502|有限责任公司(自然人投资或控股)|装备|潘静|F|19871030|420529|500|2019-02-22|长期|西陵一路25号
北京示范招标代理有限公司|110105|有限责任公司(自然人投资或控股)|招标|赵敏|F|19820614|110105|1000|2009-04-08|长期|建国路99号
上海浦江智能科技股份有限公司|310115|股份有限公司(非上市、自然人投资或控股)|信息|马晓东|M|19790202|310115|10000|2014-12-12|长期|张江路100号
深圳南山示范医疗科技有限公司|440305|有限责任公司(自然人投资或控股)|医械|林佳|F|19890909|440305|2000|2018-08-08|长期|高新南一道10号
武汉楚天工程咨询有限公司|420106|有限责任公司(自然人投资或控股)|造价|胡斌|M|19760623|420106|800|2011-09-19|长期|中南路18号
杭州西湖数字工程有限公司|330106|有限责任公司(自然人投资或控股)|信息|高远|M|19830401|330106|1000|2015-05-20|2045-05-19|文三路20号";

/// The cast members who are not legal representatives: name | sex | birth date | ID address code
/// | role in the scenario.
const PEOPLE: &str = "\
李娜|F|19850612|420503|宜昌市示范建设工程有限公司的执照管理员
王强|M|19900320|420506|宜昌市示范建设工程有限公司的经办人
孙磊|M|19881105|110108|北京示范招标代理有限公司的经办人
周静|F|19700815|420502|宜昌市示范中心医院的管理员
吴刚|M|19920101|420581|宜昌市示范中心医院的经办人
郑洁|F|19870707|420502|宜昌市公共资源交易中心的窗口人员
钱坤|M|19830919|420503|宜昌市公共资源交易中心的印章审核员";

/// Serial numbers of people start here, so that their phones differ from the representatives'.
const PEOPLE_SERIAL: u32 = 100;

/// The demo registry: 21 enterprises of Yichang (420500 and its districts and county-level
/// cities) and 5 from elsewhere, including the scenario's 宜昌市示范建设工程有限公司 and
/// 北京示范招标代理有限公司. The same on every call.
pub fn demo_registry() -> Vec<Enterprise> {
    ENTERPRISES
        .lines()
        .zip(0..)
        .map(|(line, serial)| enterprise(line, serial))
        .collect()
}

/// The cast of the demo scenario who are not legal representatives: 李娜, 王强, 孙磊, 周静,
/// 吴刚, 郑洁 and 钱坤.
pub fn demo_people() -> Vec<Person> {
    PEOPLE
        .lines()
        .zip(PEOPLE_SERIAL..)
        .map(|(line, serial)| {
            let &[name, sex, birth, address, _role] =
                line.split('|').collect::<Vec<_>>().as_slice()
            else {
                unreachable!("PEOPLE has five fields a line (tested)");
            };
            person(name, sex, birth, address, serial)
        })
        .collect()
}

/// The demo enterprise with this name, e.g. 宜昌市示范建设工程有限公司.
pub fn demo_registry_entry(name: &str) -> Option<Enterprise> {
    demo_registry().into_iter().find(|e| e.name == name)
}

/// The demo person with this name: a cast member of [`demo_people`] or the legal representative
/// of a demo enterprise (e.g. 张伟, 赵敏).
pub fn demo_person(name: &str) -> Option<Person> {
    demo_people()
        .into_iter()
        .chain(demo_registry().into_iter().map(|e| e.legal_representative))
        .find(|p| p.name == name)
}

/// One line of [`ENTERPRISES`] into an enterprise; `serial` makes its codes and phone distinct.
fn enterprise(line: &str, serial: u32) -> Enterprise {
    let &[
        name,
        locality,
        kind,
        trade,
        representative,
        sex,
        birth,
        address,
        capital,
        established,
        term_end,
        street,
    ] = line.split('|').collect::<Vec<_>>().as_slice()
    else {
        unreachable!("ENTERPRISES has twelve fields a line (tested)");
    };
    let (place, registration_authority) = division(locality);
    Enterprise {
        uscc: uscc(locality, established, serial),
        name: name.to_owned(),
        kind: kind.to_owned(),
        legal_representative: person(representative, sex, birth, address, serial),
        registered_capital: format!("{capital}万元人民币"),
        established: established.to_owned(),
        business_term: format!("{established} 至 {term_end}"),
        domicile: format!("{place}{street}"),
        business_scope: scope(trade).to_owned(),
        registration_authority: registration_authority.to_owned(),
        locality: locality.to_owned(),
    }
}

/// A person with an ID number from address code, birth date and a sequence code of the right
/// parity for `sex`, and a phone number, both distinct per `serial`.
fn person(name: &str, sex: &str, birth: &str, address: &str, serial: u32) -> Person {
    let sequence = (serial * 37 % 490 + 5) * 2 + u32::from(sex == "M");
    let body = format!("{address}{birth}{sequence:03}");
    let Some(check) = IdNumber::check_char(&body) else {
        unreachable!("address code, birth date and sequence are 17 digits");
    };
    let Ok(id_number) = IdNumber::parse(&format!("{body}{check}")) else {
        unreachable!("the birth dates of the tables are real dates (tested)");
    };
    Person {
        name: name.to_owned(),
        id_number,
        phone: phone(serial),
    }
}

/// A mobile number, distinct per `serial` below 10^8: the multiplier is coprime to 10^8.
fn phone(serial: u32) -> Phone {
    const PREFIXES: [&str; 10] = [
        "138", "139", "135", "136", "150", "151", "186", "187", "177", "199",
    ];
    let subscriber = (u64::from(serial) * 4_373_911 + 1_234_567) % 100_000_000;
    let prefix = PREFIXES[serial as usize % PREFIXES.len()];
    let Ok(phone) = Phone::parse(&format!("{prefix}{subscriber:08}")) else {
        unreachable!("a prefix of 1 and 3–9 followed by 8 digits is a mobile number");
    };
    phone
}

/// A unified social credit code of an enterprise (91) registered in `locality`. The organisation
/// code is numeric for enterprises established before the 2015 reform, `MA…` after, and carries
/// its own GB 11714 check character.
fn uscc(locality: &str, established: &str, serial: u32) -> Uscc {
    let number = (serial * 7_919 + 20_231) % 100_000;
    let organisation = if established < "2015" {
        format!("7{:07}", number * 13 % 10_000_000)
    } else {
        format!("MA4{number:05}")
    };
    let Some(organisation_check) = Uscc::organisation_code_check_char(&organisation) else {
        unreachable!("eight digits or capitals");
    };
    let body = format!("91{locality}{organisation}{organisation_check}");
    let Some(check) = Uscc::check_char(&body) else {
        unreachable!("17 characters of the code's alphabet ('X' is in it)");
    };
    let Ok(uscc) = Uscc::parse(&format!("{body}{check}")) else {
        unreachable!("the localities of the table are six digits (tested)");
    };
    uscc
}

/// Where a locality is written in an address, and its registration authority.
fn division(locality: &str) -> (&'static str, &'static str) {
    match locality {
        "420500" => ("湖北省宜昌市", "宜昌市市场监督管理局"),
        "420502" => ("湖北省宜昌市西陵区", "宜昌市西陵区市场监督管理局"),
        "420503" => ("湖北省宜昌市伍家岗区", "宜昌市伍家岗区市场监督管理局"),
        "420504" => ("湖北省宜昌市点军区", "宜昌市点军区市场监督管理局"),
        "420505" => ("湖北省宜昌市猇亭区", "宜昌市猇亭区市场监督管理局"),
        "420506" => ("湖北省宜昌市夷陵区", "宜昌市夷陵区市场监督管理局"),
        "420581" => ("湖北省宜都市", "宜都市市场监督管理局"),
        "420582" => ("湖北省当阳市", "当阳市市场监督管理局"),
        "420583" => ("湖北省枝江市", "枝江市市场监督管理局"),
        "110105" => ("北京市朝阳区", "北京市朝阳区市场监督管理局"),
        "310115" => ("上海市浦东新区", "上海市浦东新区市场监督管理局"),
        "440305" => ("广东省深圳市南山区", "深圳市市场监督管理局南山监管局"),
        "420106" => ("湖北省武汉市武昌区", "武汉市武昌区市场监督管理局"),
        "330106" => ("浙江省杭州市西湖区", "杭州市西湖区市场监督管理局"),
        _ => unreachable!("every locality of ENTERPRISES is listed here (tested)"),
    }
}

/// The business scope of a trade of [`ENTERPRISES`].
fn scope(trade: &str) -> &'static str {
    match trade {
        "施工" => concat!(
            "许可项目：建设工程施工；建筑劳务分包。一般项目：园林绿化工程施工；",
            "建筑材料销售。（依法须经批准的项目，经相关部门批准后方可开展经营活动）"
        ),
        "路桥" => "许可项目：公路工程施工；市政公用工程施工。一般项目：工程管理服务。",
        "信息" => "一般项目：软件开发；信息系统集成服务；信息技术咨询服务；数据处理服务。",
        "造价" => "一般项目：工程造价咨询业务；招投标代理服务；工程管理服务。",
        "监理" => "许可项目：建设工程监理。一般项目：工程管理服务；技术服务。",
        "化工" => "一般项目：新材料技术研发；化工产品销售（不含许可类化工产品）。",
        "水利" => "许可项目：水利工程施工；水利工程质量检测。一般项目：水资源管理。",
        "园林" => "一般项目：园林绿化工程施工；城市绿化管理；花卉种植。",
        "建材" => "一般项目：建筑材料销售；水泥制品销售；金属材料销售。",
        "电力" => "许可项目：输电、供电、受电电力设施的安装、维修和试验。",
        "物业" => "一般项目：物业管理；停车场服务；家政服务。",
        "医械" => "许可项目：第三类医疗器械经营。一般项目：第二类医疗器械销售。",
        "设计" => "许可项目：建设工程设计；建设工程勘察。一般项目：规划设计管理。",
        "检测" => "许可项目：建设工程质量检测。一般项目：技术服务、技术开发。",
        "农业" => "一般项目：蔬菜种植；水果种植；休闲观光活动；农业生产托管服务。",
        "物流" => "一般项目：港口货物装卸搬运活动；国内货物运输代理；普通货物仓储服务。",
        "劳务" => "许可项目：建筑劳务分包。一般项目：劳务服务（不含劳务派遣）。",
        "环境" => "一般项目：环境保护专用设备销售；水污染治理；园林绿化工程施工。",
        "装备" => "一般项目：教学专用仪器销售；办公设备销售；体育用品及器材零售。",
        "招标" => "一般项目：招投标代理服务；政府采购代理服务；工程造价咨询业务。",
        _ => unreachable!("every trade of ENTERPRISES is listed here (tested)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_and_number_parses_again() {
        let people: Vec<Person> = demo_registry()
            .into_iter()
            .map(|e| {
                assert_eq!(Uscc::parse(e.uscc.as_str()).as_ref(), Ok(&e.uscc));
                assert_eq!(e.uscc.division_code(), e.locality);
                assert!(e.uscc.organisation_code_valid(), "{}", e.name);
                e.legal_representative
            })
            .chain(demo_people())
            .collect();
        for p in &people {
            let id = IdNumber::parse(p.id_number.as_str()).unwrap();
            assert_eq!(id, p.id_number);
            assert_eq!(Phone::parse(p.phone.as_str()).unwrap(), p.phone);
        }
        let phones: HashSet<_> = people.iter().map(|p| p.phone.as_str()).collect();
        assert_eq!(phones.len(), people.len(), "phones are distinct");
        let ids: HashSet<_> = people.iter().map(|p| p.id_number.as_str()).collect();
        assert_eq!(ids.len(), people.len(), "ID numbers are distinct");
    }

    #[test]
    fn codes_and_names_are_unique_and_the_mix_is_right() {
        let registry = demo_registry();
        let codes: HashSet<_> = registry.iter().map(|e| e.uscc.as_str()).collect();
        assert_eq!(codes.len(), registry.len());
        let names: HashSet<_> = registry.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names.len(), registry.len());
        let yichang = registry
            .iter()
            .filter(|e| e.locality.starts_with("4205"))
            .count();
        assert!(yichang >= 20, "{yichang} in Yichang");
        assert!(registry.len() - yichang >= 5);
        // Wuhan is in Hubei but not in Yichang.
        let wuhan = demo_registry_entry("武汉楚天工程咨询有限公司").unwrap();
        assert!(wuhan.locality.starts_with("42") && !wuhan.locality.starts_with("4205"));
    }

    #[test]
    fn the_cast_is_present() {
        let local = demo_registry_entry("宜昌市示范建设工程有限公司").unwrap();
        assert_eq!(local.locality, "420502");
        assert_eq!(local.legal_representative.name, "张伟");
        assert_eq!(local.registration_authority, "宜昌市西陵区市场监督管理局");
        let agency = demo_registry_entry("北京示范招标代理有限公司").unwrap();
        assert_eq!(agency.locality, "110105");
        assert_eq!(agency.legal_representative.name, "赵敏");
        assert!(agency.business_scope.contains("招投标代理"));
        assert_eq!(demo_person("张伟"), Some(local.legal_representative));
        assert_eq!(demo_person("赵敏"), Some(agency.legal_representative));
        let names: Vec<_> = demo_people().into_iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            ["李娜", "王强", "孙磊", "周静", "吴刚", "郑洁", "钱坤"]
        );
        assert!(demo_person("李娜").is_some());
        assert_eq!(demo_registry_entry("不存在的公司"), None);
        assert_eq!(demo_person("不存在"), None);
    }

    #[test]
    fn sex_matches_the_sequence_code() {
        use crate::ids::Sex;
        let li_na = demo_person("李娜").unwrap();
        assert_eq!(li_na.id_number.sex(), Sex::Female);
        assert_eq!(li_na.id_number.birth_date(), (1985, 6, 12));
        assert_eq!(demo_person("张伟").unwrap().id_number.sex(), Sex::Male);
    }

    #[test]
    fn deterministic() {
        assert_eq!(demo_registry(), demo_registry());
        assert_eq!(demo_people(), demo_people());
    }

    #[test]
    fn debug_hides_personal_numbers() {
        for e in demo_registry() {
            let shown = format!("{e:?}");
            assert!(!shown.contains(e.legal_representative.id_number.as_str()));
            assert!(!shown.contains(e.legal_representative.phone.as_str()));
        }
    }
}
