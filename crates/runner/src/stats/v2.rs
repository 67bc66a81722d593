//! A sparse reader of HDR histograms in the V2 format, plain or compressed.
//!
//! `hdrhistogram`'s own deserializer builds a full histogram (every counter of the range,
//! ~100 KB for 3 digits up to seconds) that a master would only add into its own and drop:
//! with tens of workers × tens of endpoints every second, allocating, zeroing and scanning
//! those arrays was most of a master's CPU. This reader inflates the same bytes and yields
//! only the non-zero buckets (value, count), which the master records straight into its
//! histogram. It accepts exactly what the engine writes (3 significant digits from 1 µs,
//! `V2Serializer`, or `V2DeflateSerializer` as earlier versions wrote); the tests check it
//! against the library's deserializer.

use std::io::Read;

use flate2::read::ZlibDecoder;

use super::latency::SIGNIFICANT_DIGITS;

const V2_COOKIE: u32 = 0x1c84_9303 | 0x10;
const V2_COMPRESSED_COOKIE: u32 = 0x1c84_9304 | 0x10;
/// Half the sub-buckets of a 3-digit histogram from 1: 2^10 (the library's layout).
const SUB_BUCKET_HALF_COUNT_MAGNITUDE: u32 = 10;
const SUB_BUCKET_HALF_COUNT: usize = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
/// Uncompressed payloads beyond this are refused (a 3-digit histogram of u64 µs needs far less).
const MAX_PAYLOAD: usize = 16 << 20;

/// The non-zero buckets of a histogram: (lowest value of the bucket, count), ascending.
pub(crate) type Buckets = Vec<(u64, u64)>;

fn u32_at(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| "truncated header".to_string())
}

fn u64_at(b: &[u8], at: usize) -> Result<u64, String> {
    b.get(at..at + 8)
        .map(|s| u64::from_be_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]))
        .ok_or_else(|| "truncated header".to_string())
}

/// The lowest value of bucket `index` in a 3-digit histogram from 1 (the library's
/// `value_for`).
fn value_at(index: usize) -> Option<u64> {
    let bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) as i64 - 1;
    let sub = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
    let (bucket, sub) = if bucket < 0 {
        (0, sub - SUB_BUCKET_HALF_COUNT)
    } else {
        (bucket as u32, sub)
    };
    (sub as u64)
        .checked_shl(bucket)
        .filter(|v| v >> bucket == sub as u64)
}

/// One LEB128-style varint as the V2 format writes it (the 9th byte holds 8 bits).
fn varint(p: &[u8], at: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for i in 0..9 {
        let b = *p.get(*at).ok_or("truncated counts")?;
        *at += 1;
        if i == 8 {
            return Ok(value | (u64::from(b) << 56));
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Ok(value)
}

/// Reads a V2 histogram, plain or compressed; returns its non-zero buckets and their total
/// count.
pub(crate) fn read(bytes: &[u8]) -> Result<(Buckets, u64), String> {
    match u32_at(bytes, 0)? {
        V2_COOKIE => read_plain(bytes),
        V2_COMPRESSED_COOKIE => read_compressed(bytes),
        _ => Err("not a V2 histogram (cookie)".into()),
    }
}

/// Reads a compressed V2 histogram; returns its non-zero buckets and their total count.
fn read_compressed(bytes: &[u8]) -> Result<(Buckets, u64), String> {
    if u32_at(bytes, 0)? != V2_COMPRESSED_COOKIE {
        return Err("not a compressed V2 histogram (cookie)".into());
    }
    let len = u32_at(bytes, 4)? as usize;
    let body = bytes
        .get(8..8 + len)
        .ok_or("compressed length beyond the data")?;
    let mut inner = Vec::with_capacity(len.saturating_mul(4).min(MAX_PAYLOAD));
    ZlibDecoder::new(body)
        .take(MAX_PAYLOAD as u64 + 40)
        .read_to_end(&mut inner)
        .map_err(|e| format!("inflate: {e}"))?;
    read_plain(&inner)
}

fn read_plain(b: &[u8]) -> Result<(Buckets, u64), String> {
    if u32_at(b, 0)? != V2_COOKIE {
        return Err("not a V2 histogram (inner cookie)".into());
    }
    let payload_len = u32_at(b, 4)? as usize;
    let offset = u32_at(b, 8)?;
    let digits = u32_at(b, 12)?;
    let low = u64_at(b, 16)?;
    let ratio = f64::from_bits(u64_at(b, 32)?);
    if offset != 0 || ratio != 1.0 {
        return Err("unsupported V2 features (normalizing offset or double ratio)".into());
    }
    if digits != u32::from(SIGNIFICANT_DIGITS) || low != 1 {
        return Err(format!(
            "{digits} significant digits from {low} (expected {SIGNIFICANT_DIGITS} from 1)"
        ));
    }
    if payload_len > MAX_PAYLOAD {
        return Err(format!("payload of {payload_len} bytes is too large"));
    }
    let p = b
        .get(40..40 + payload_len)
        .ok_or("payload length beyond the data")?;
    let mut buckets = Vec::new();
    let (mut at, mut index, mut total) = (0usize, 0usize, 0u64);
    while at < p.len() {
        let zz = varint(p, &mut at)?;
        let n = ((zz >> 1) as i64) ^ -((zz & 1) as i64);
        if n < 0 {
            index = index
                .checked_add(n.unsigned_abs() as usize)
                .ok_or("zero run overflows")?;
            continue;
        }
        let count = n as u64;
        if count > 0 {
            let value = value_at(index).ok_or("bucket index beyond u64 values")?;
            total = total.checked_add(count).ok_or("counts overflow")?;
            buckets.push((value, count));
        }
        index = index.checked_add(1).ok_or("bucket index overflows")?;
    }
    Ok((buckets, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::serialization::{
        Deserializer, Serializer, V2DeflateSerializer, V2Serializer,
    };
    use hdrhistogram::Histogram;
    use proptest::prelude::*;

    /// `h` as the engine writes it (plain), or as earlier versions wrote it (compressed).
    fn encode(h: &Histogram<u64>, compressed: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if compressed {
            V2DeflateSerializer::new().serialize(h, &mut out).unwrap();
        } else {
            V2Serializer::new().serialize(h, &mut out).unwrap();
        }
        out
    }

    proptest! {
        #[test]
        fn the_sparse_reader_agrees_with_the_library(
            values in prop::collection::vec((0u64..(1u64 << 60), 1u64..1000), 0..200),
            small in prop::collection::vec(0u64..10_000, 0..200),
            compressed in any::<bool>(),
        ) {
            let mut h = Histogram::<u64>::new(3).unwrap();
            for (v, n) in &values {
                h.record_n(*v, *n).unwrap();
            }
            for v in &small {
                h.record(*v).unwrap();
            }
            let bytes = encode(&h, compressed);
            let (buckets, total) = read(&bytes).unwrap();
            prop_assert_eq!(total, h.len());
            let mut rebuilt = Histogram::<u64>::new(3).unwrap();
            for (v, n) in &buckets {
                rebuilt.record_n(*v, *n).unwrap();
            }
            let library: Histogram<u64> = Deserializer::new().deserialize(&mut bytes.as_slice()).unwrap();
            prop_assert!(rebuilt == h);
            prop_assert!(rebuilt == library);
            let recorded: Vec<(u64, u64)> = h
                .iter_recorded()
                .map(|v| (h.lowest_equivalent(v.value_iterated_to()), v.count_at_value()))
                .collect();
            prop_assert_eq!(buckets, recorded);
        }

        #[test]
        fn garbage_is_an_error_not_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = read(&bytes);
        }

        #[test]
        fn garbage_after_a_valid_cookie_is_an_error_not_a_panic(
            compressed in any::<bool>(),
            tail in prop::collection::vec(any::<u8>(), 0..300),
        ) {
            let mut bytes = encode(&Histogram::<u64>::new(3).unwrap(), compressed)[..4].to_vec();
            bytes.extend(tail);
            let _ = read(&bytes);
        }

        #[test]
        fn corrupted_histograms_are_errors_not_panics(
            values in prop::collection::vec(0u64..5_000_000, 1..100),
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            compressed in any::<bool>(),
        ) {
            let mut h = Histogram::<u64>::new(3).unwrap();
            for v in &values {
                h.record(*v).unwrap();
            }
            let mut bytes = encode(&h, compressed);
            for (i, b) in flips {
                let i = i.index(bytes.len());
                bytes[i] ^= b;
            }
            let _ = read(&bytes);
        }
    }

    #[test]
    fn other_precisions_are_refused() {
        let mut h = Histogram::<u64>::new(2).unwrap();
        h.record(5).unwrap();
        for compressed in [false, true] {
            let err = read(&encode(&h, compressed)).unwrap_err();
            assert!(err.contains("2 significant digits"), "{err}");
        }
    }
}
