//! The unified social credit code (统一社会信用代码) of GB 32100-2015.
//!
//! Eighteen characters: registration authority (1), entity type (1),
//! administrative division of the registering office (6), organisation code
//! of GB 11714 with its own check digit (9), and a check character (1).
//! The applicant types the code at intake and the business licence is looked
//! up by it (R-102-2), so a typo must be caught before the lookup.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Characters a code may use: digits and capitals without I, O, S, V, Z.
/// The index of a character is its value in the check computation.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weight of position i (0-based) is 3^i mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714 weights over the eight body characters of the organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A registration authority code, its name, and the entity type codes it
/// may assign with their names.
type Authority = (char, &'static str, &'static [(char, &'static str)]);

/// Registration authorities and the entity types each may assign (GB 32100
/// table A.1 as amended: A for military units, N for rural collectives).
const AUTHORITIES: [Authority; 12] = [
    (
        '1',
        "机构编制",
        &[
            ('1', "机关"),
            ('2', "事业单位"),
            ('3', "中央编办直接管理机构编制的群众团体"),
            ('9', "其他"),
        ],
    ),
    ('2', "外交", &[('1', "外国常驻新闻机构"), ('9', "其他")]),
    (
        '3',
        "司法行政",
        &[
            ('1', "律师执业机构"),
            ('2', "公证处"),
            ('3', "基层法律服务所"),
            ('4', "司法鉴定机构"),
            ('5', "仲裁委员会"),
            ('9', "其他"),
        ],
    ),
    ('4', "文化", &[('1', "外国在华文化中心"), ('9', "其他")]),
    (
        '5',
        "民政",
        &[
            ('1', "社会团体"),
            ('2', "民办非企业单位"),
            ('3', "基金会"),
            ('9', "其他"),
        ],
    ),
    (
        '6',
        "旅游",
        &[
            ('1', "外国旅游部门常驻代表机构"),
            ('2', "港澳台地区旅游部门常驻内地（大陆）代表机构"),
            ('9', "其他"),
        ],
    ),
    (
        '7',
        "宗教",
        &[('1', "宗教活动场所"), ('2', "宗教院校"), ('9', "其他")],
    ),
    ('8', "工会", &[('1', "基层工会"), ('9', "其他")]),
    (
        '9',
        "工商",
        &[('1', "企业"), ('2', "个体工商户"), ('3', "农民专业合作社")],
    ),
    (
        'A',
        "中央军委改革和编制办公室",
        &[('1', "军队事业单位"), ('9', "其他")],
    ),
    (
        'N',
        "农业",
        &[
            ('1', "组级集体经济组织"),
            ('2', "村级集体经济组织"),
            ('3', "乡镇级集体经济组织"),
            ('9', "其他"),
        ],
    ),
    ('Y', "其他", &[('1', "其他")]),
];

/// Why a string is not a unified social credit code. Positions count from 1
/// as printed on a licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("a unified social credit code has 18 characters, not {length}")]
    WrongLength { length: usize },
    #[error("character {character:?} at position {position} is not allowed")]
    BadCharacter { position: usize, character: char },
    #[error("{code:?} is not a registration authority code")]
    UnknownAuthority { code: char },
    #[error("{code:?} is not an entity type of registration authority {authority:?}")]
    UnknownEntityType { authority: char, code: char },
    #[error("positions 3 to 8 must be the digits of an administrative division")]
    BadDivision,
    #[error("the organisation code (positions 9 to 17) fails its GB 11714 check digit")]
    BadOrganisationCode,
    #[error("the check character does not match; the code is mistyped")]
    BadCheckCharacter,
}

/// A checked unified social credit code, in capitals.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

impl Uscc {
    /// Accepts a code as typed: surrounding spaces are ignored and lowercase
    /// letters are taken as capitals.
    pub fn parse(input: &str) -> Result<Uscc, UsccError> {
        let code = input.trim().to_uppercase();
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 18 {
            return Err(UsccError::WrongLength {
                length: chars.len(),
            });
        }
        let mut values = [0u32; 18];
        for (i, &c) in chars.iter().enumerate() {
            values[i] = char_value(c).ok_or(UsccError::BadCharacter {
                position: i + 1,
                character: c,
            })?;
        }
        let (authority, type_code) = (chars[0], chars[1]);
        let types = AUTHORITIES
            .iter()
            .find(|(a, _, _)| *a == authority)
            .map(|(_, _, types)| *types)
            .ok_or(UsccError::UnknownAuthority { code: authority })?;
        if !types.iter().any(|(t, _)| *t == type_code) {
            return Err(UsccError::UnknownEntityType {
                authority,
                code: type_code,
            });
        }
        if !chars[2..8].iter().all(char::is_ascii_digit) {
            return Err(UsccError::BadDivision);
        }
        // The overall check character goes first: a mistyped character
        // anywhere is most plainly reported as such.
        if check_value(&values[..17]) != values[17] {
            return Err(UsccError::BadCheckCharacter);
        }
        if organisation_check(&chars[8..16]) != chars[16] {
            return Err(UsccError::BadOrganisationCode);
        }
        Ok(Uscc(code))
    }

    /// The check character that completes 17 characters into a code, if
    /// they use only the code's characters.
    pub fn check_character_for(first17: &str) -> Option<char> {
        let values: Vec<u32> = first17.chars().map(char_value).collect::<Option<_>>()?;
        (values.len() == 17).then(|| CHARSET[check_value(&values) as usize] as char)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code for logs: first four and last four characters kept.
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.0[..4], "*".repeat(10), &self.0[14..])
    }

    pub fn authority_code(&self) -> char {
        self.0.as_bytes()[0] as char
    }

    pub fn entity_type_code(&self) -> char {
        self.0.as_bytes()[1] as char
    }

    /// The administrative division of the registering office, e.g. `411224`.
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }

    /// The organisation code, check digit included.
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }

    /// The registration authority in Chinese, e.g. 工商.
    pub fn authority_zh(&self) -> &'static str {
        self.authority().1
    }

    /// The entity type in Chinese, e.g. 企业 or 事业单位.
    pub fn entity_type_zh(&self) -> &'static str {
        let t = self.entity_type_code();
        self.authority()
            .2
            .iter()
            .find(|(c, _)| *c == t)
            .map_or("其他", |(_, name)| name)
    }

    /// A business or farmers' cooperative registered by market regulation,
    /// i.e. one that holds a business licence.
    pub fn holds_business_licence(&self) -> bool {
        self.authority_code() == '9'
    }

    fn authority(&self) -> &'static Authority {
        let a = self.authority_code();
        AUTHORITIES
            .iter()
            .find(|(c, _, _)| *c == a)
            .unwrap_or(&AUTHORITIES[AUTHORITIES.len() - 1])
    }
}

fn char_value(c: char) -> Option<u32> {
    CHARSET
        .iter()
        .position(|&b| char::from(b) == c)
        .map(|i| i as u32)
}

fn check_value(values: &[u32]) -> u32 {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

/// GB 11714 counts letters A-Z as 10-35 over the whole alphabet, unlike the
/// USCC's own table that skips I, O, S, V and Z.
fn organisation_check(body: &[char]) -> char {
    let sum: u32 = body
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(c, w)| c.to_digit(36).unwrap_or(0) * w)
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('?'),
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = UsccError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uscc::parse(s)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

impl AsRef<str> for Uscc {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes published on licences and in public registries, and the
    /// fictional Lushi codes of rules/registry-sample.csv.
    const VALID: [&str; 14] = [
        "91350100M000100Y43",
        "91110000600037341L",
        "91110000710926094P",
        "121200004013590816",
        "91310115MA1K3BTP2B",
        "9144030071526726XG",
        "91340600MA2PBM9HXD",
        "91620105L015101280",
        "92340621MA2PBKRXXG",
        "92340604MA2PBNQNXM",
        "91411224MA9G2L3D1P",
        "92411224MA9F4Q1R72",
        "93411224MA9E6C2W6T",
        "124112244170012K5P",
    ];

    #[test]
    fn accepts_published_codes() {
        for code in VALID {
            let uscc = Uscc::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(uscc.as_str(), code);
        }
    }

    #[test]
    fn check_character_matches_published_codes() {
        for code in VALID {
            assert_eq!(Uscc::check_character_for(&code[..17]), code.chars().last());
        }
        assert_eq!(Uscc::check_character_for("9135010"), None);
        assert_eq!(Uscc::check_character_for("91350100M000100YI"), None);
    }

    #[test]
    fn trims_and_uppercases() {
        let uscc = Uscc::parse("  91340600ma2pbm9hxd \n").unwrap();
        assert_eq!(uscc.as_str(), "91340600MA2PBM9HXD");
        assert_eq!(uscc.to_string(), "91340600MA2PBM9HXD");
    }

    #[test]
    fn wrong_length() {
        assert_eq!(Uscc::parse(""), Err(UsccError::WrongLength { length: 0 }));
        assert_eq!(
            Uscc::parse("91350100M000100Y4"),
            Err(UsccError::WrongLength { length: 17 })
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y433"),
            Err(UsccError::WrongLength { length: 19 })
        );
        // Counted in characters, not bytes.
        assert_eq!(
            Uscc::parse("91350100M000100Y4码"),
            Err(UsccError::BadCharacter {
                position: 18,
                character: '码'
            })
        );
    }

    #[test]
    fn letters_outside_the_charset() {
        for (bad, position) in [
            ('I', 9),
            ('O', 10),
            ('S', 11),
            ('V', 12),
            ('Z', 13),
            ('-', 5),
        ] {
            let mut code: Vec<char> = "91350100M000100Y43".chars().collect();
            code[position - 1] = bad;
            let code: String = code.into_iter().collect();
            assert_eq!(
                Uscc::parse(&code),
                Err(UsccError::BadCharacter {
                    position,
                    character: bad
                }),
                "{code}"
            );
        }
    }

    #[test]
    fn authority_and_type() {
        assert_eq!(
            Uscc::parse("B1110000600037341L"),
            Err(UsccError::UnknownAuthority { code: 'B' })
        );
        assert_eq!(
            Uscc::parse("94110000600037341L"),
            Err(UsccError::UnknownEntityType {
                authority: '9',
                code: '4'
            })
        );
        assert_eq!(
            Uscc::parse("Y2110000600037341L"),
            Err(UsccError::UnknownEntityType {
                authority: 'Y',
                code: '2'
            })
        );
    }

    #[test]
    fn division_must_be_digits() {
        assert_eq!(
            Uscc::parse("9111A000600037341L"),
            Err(UsccError::BadDivision)
        );
    }

    #[test]
    fn check_character() {
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(UsccError::BadCheckCharacter)
        );
        // Two digits swapped, as typists do.
        assert_eq!(
            Uscc::parse("91110000600073341L"),
            Err(UsccError::BadCheckCharacter)
        );
        // A code often quoted as an example that in fact fails both checks.
        assert_eq!(
            Uscc::parse("911100001000013533"),
            Err(UsccError::BadCheckCharacter)
        );
    }

    #[test]
    fn organisation_code_check_digit() {
        // Organisation code 60003734-2 instead of -1, then the final check
        // character recomputed so that only the inner check fails.
        let first17 = "91110000600037342";
        let last = Uscc::check_character_for(first17).unwrap();
        let code = format!("{first17}{last}");
        assert_eq!(Uscc::parse(&code), Err(UsccError::BadOrganisationCode));
    }

    #[test]
    fn parts_and_masking() {
        let uscc = Uscc::parse("91411224MA9G2L3D1P").unwrap();
        assert_eq!(uscc.masked(), "9141**********3D1P");
        assert_eq!(uscc.division(), "411224");
        assert_eq!(uscc.organisation_code(), "MA9G2L3D1");
        assert_eq!(uscc.authority_zh(), "工商");
        assert_eq!(uscc.entity_type_zh(), "企业");
        assert!(uscc.holds_business_licence());
        let institution = Uscc::parse("121200004013590816").unwrap();
        assert_eq!(institution.entity_type_zh(), "事业单位");
        assert!(!institution.holds_business_licence());
    }

    #[test]
    fn serde_checks_on_the_way_in() {
        let uscc: Uscc = serde_json::from_str("\"91350100M000100Y43\"").unwrap();
        assert_eq!(
            serde_json::to_string(&uscc).unwrap(),
            "\"91350100M000100Y43\""
        );
        assert!(serde_json::from_str::<Uscc>("\"91350100M000100Y44\"").is_err());
    }
}
