//! Object identifiers used across yizhao (STANDARDS.md §4).

use der::oid::ObjectIdentifier;

/// SM2 algorithm / named curve sm2p256v1.
pub const SM2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
/// SM2-1 signature (GB/T 35275 digestEncryptionAlgorithm).
pub const SM2_SIGN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301.1");
/// SM2-3 encryption.
pub const SM2_ENCRYPT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301.3");
/// SM3.
pub const SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.401");
/// SM3withSM2, the X.509 and GB/T 38540 signature algorithm.
pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
/// SM4.
pub const SM4: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.104");
/// SM4-GCM.
pub const SM4_GCM: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.104.8");
/// id-ecPublicKey, the SPKI algorithm of SM2 and P-256 keys.
pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// prime256v1 (P-256).
pub const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// ecdsa-with-SHA256.
pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
