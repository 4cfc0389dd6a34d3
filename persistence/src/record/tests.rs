//! Tests of the record codec: round trip, every truncation, flipped bytes, fuzz.

use super::*;

/// The payloads of the three test records, written out by hand.
const PAYLOADS: [&[u8]; 3] = [
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n",
    b"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1700000000000\r\n",
    b"*2\r\n$3\r\nDEL\r\n$0\r\n\r\n",
];

fn argvs() -> Vec<Vec<&'static [u8]>> {
    vec![
        vec![b"SET", b"k", b"hello"],
        vec![b"PEXPIREAT", b"k", b"1700000000000"],
        vec![b"DEL", b""],
    ]
}

fn three_records() -> Vec<u8> {
    let mut file = Vec::new();
    for argv in argvs() {
        encode(&argv, &mut file);
    }
    file
}

/// Record end offsets computed from the hand-written payload lengths.
fn boundaries() -> Vec<usize> {
    let mut ends = vec![0];
    for payload in PAYLOADS {
        ends.push(ends.last().copied().unwrap_or(0) + 12 + payload.len());
    }
    ends
}

fn as_vecs(records: &[Vec<Bytes>]) -> Vec<Vec<Vec<u8>>> {
    records
        .iter()
        .map(|argv| argv.iter().map(|a| a.to_vec()).collect())
        .collect()
}

fn expected(n: usize) -> Vec<Vec<Vec<u8>>> {
    argvs()[..n]
        .iter()
        .map(|argv| argv.iter().map(|a| a.to_vec()).collect())
        .collect()
}

#[test]
fn encode_writes_le_length_crc_and_resp_payload() {
    let mut out = Vec::new();
    encode(&argvs()[0], &mut out);
    let payload = PAYLOADS[0];
    assert_eq!(&out[..8], &(payload.len() as u64).to_le_bytes());
    // CRC-32/IEEE of "123456789" is the standard check value 0xCBF43926.
    assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    assert_eq!(&out[8..12], &crc32fast::hash(payload).to_le_bytes());
    assert_eq!(&out[12..], payload);
}

#[test]
fn three_records_decode_clean() {
    let file = three_records();
    let decoded = decode_all(&file);
    assert_eq!(decoded.tail, Tail::Clean);
    assert_eq!(decoded.valid_len, file.len());
    assert_eq!(as_vecs(&decoded.records), expected(3));
    let shared = decode_all_shared(&Bytes::from(file));
    assert_eq!(shared, decoded);
}

#[test]
fn empty_input_is_clean() {
    let decoded = decode_all(b"");
    assert_eq!(decoded.tail, Tail::Clean);
    assert_eq!(decoded.valid_len, 0);
    assert!(decoded.records.is_empty());
}

#[test]
fn truncation_at_every_offset_keeps_the_complete_prefix() {
    let file = three_records();
    let ends = boundaries();
    assert_eq!(*ends.last().unwrap_or(&0), file.len());
    for cut in 0..=file.len() {
        let decoded = decode_all(&file[..cut]);
        let complete = ends.iter().filter(|&&end| end <= cut).count() - 1;
        let prefix = ends[complete];
        assert_eq!(decoded.valid_len, prefix, "cut at {cut}");
        assert_eq!(
            as_vecs(&decoded.records),
            expected(complete),
            "cut at {cut}"
        );
        let tail = if cut == prefix {
            Tail::Clean
        } else {
            Tail::Truncated { offset: prefix }
        };
        assert_eq!(decoded.tail, tail, "cut at {cut}");
    }
}

#[test]
fn flipped_byte_in_first_record_crc_or_payload_is_corrupt_at_zero() {
    let file = three_records();
    for pos in 8..ends_of_first() {
        let mut damaged = file.clone();
        damaged[pos] ^= 0xFF;
        let decoded = decode_all(&damaged);
        assert!(
            matches!(decoded.tail, Tail::Corrupt { offset: 0, .. }),
            "flip at {pos}: {:?}",
            decoded.tail
        );
        assert_eq!(decoded.valid_len, 0);
        assert!(decoded.records.is_empty());
    }
}

fn ends_of_first() -> usize {
    12 + PAYLOADS[0].len()
}

#[test]
fn flipped_length_byte_is_corrupt_unless_it_reaches_past_eof() {
    let file = three_records();
    let total = file.len();
    // Top byte: the length exceeds 2^40, which only damage produces.
    let mut high = file.clone();
    high[7] ^= 0xFF;
    assert!(
        matches!(decode_all(&high).tail, Tail::Corrupt { offset: 0, ref reason } if reason.contains("2^40"))
    );
    // Low bit: one byte off, so the CRC covers a different range that
    // still ends inside the file.
    let mut shifted = file.clone();
    shifted[0] ^= 0x01;
    assert!(12 + (PAYLOADS[0].len() ^ 1) < total);
    assert!(
        matches!(decode_all(&shifted).tail, Tail::Corrupt { offset: 0, ref reason } if reason.contains("checksum"))
    );
    // A length beyond end of file (but sane) reads as a torn write: the
    // header alone cannot tell the two apart.
    let mut long = file.clone();
    long[2] ^= 0x01; // + 65536 bytes
    assert_eq!(decode_all(&long).tail, Tail::Truncated { offset: 0 });
}

#[test]
fn absurd_length_in_last_header_is_a_torn_tail() {
    let mut file = three_records();
    let prefix = file.len();
    file.extend_from_slice(&u64::MAX.to_le_bytes());
    file.extend_from_slice(&[0; 4]);
    let decoded = decode_all(&file);
    assert_eq!(decoded.tail, Tail::Truncated { offset: prefix });
    assert_eq!(decoded.valid_len, prefix);
    file.push(b'x');
    assert!(matches!(decode_all(&file).tail, Tail::Corrupt { offset, .. } if offset == prefix));
}

/// Frames `payload` with a correct length and CRC.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = (payload.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn bad_resp_with_good_crc_is_corrupt_mid_file_and_torn_at_eof() {
    let bad_payloads: [&[u8]; 9] = [
        b"*0\r\n",
        b"*1\r\n$3\r\nGET\r\nX",
        b"*2\r\n$3\r\nGET\r\n",
        b"*01\r\n$3\r\nGET\r\n",
        b"*1\r\n$-1\r\n",
        b"*1\r\n$3\r\nGETX\r\n",
        b"+OK\r\n",
        b"*1\r\n$99999999999999999999999\r\n",
        b"",
    ];
    for payload in bad_payloads {
        let mut file = three_records();
        let prefix = file.len();
        file.extend_from_slice(&frame(payload));
        let at_eof = decode_all(&file);
        assert_eq!(
            at_eof.tail,
            Tail::Truncated { offset: prefix },
            "{payload:?}"
        );
        assert_eq!(at_eof.records.len(), 3);
        file.extend_from_slice(&frame(PAYLOADS[0]));
        let mid = decode_all(&file);
        assert!(
            matches!(mid.tail, Tail::Corrupt { offset, ref reason } if offset == prefix && reason.contains("RESP")),
            "{payload:?}: {:?}",
            mid.tail
        );
        assert_eq!(mid.valid_len, prefix);
    }
}

/// A small linear congruential generator (Knuth's MMIX constants), so the
/// fuzz cases are the same on every run without a new dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// What must hold for any input: the valid prefix re-encodes to exactly
/// its own bytes, and the tail points at its end.
fn check_invariants(input: &[u8]) {
    let decoded = decode_all(input);
    assert!(decoded.valid_len <= input.len());
    let mut reencoded = Vec::new();
    for argv in &decoded.records {
        encode(argv, &mut reencoded);
    }
    assert_eq!(&reencoded[..], &input[..decoded.valid_len]);
    match decoded.tail {
        Tail::Clean => assert_eq!(decoded.valid_len, input.len()),
        Tail::Truncated { offset } | Tail::Corrupt { offset, .. } => {
            assert_eq!(offset, decoded.valid_len);
            assert!(offset < input.len());
        }
    }
}

#[test]
fn fuzz_random_and_mutated_inputs_never_panic() {
    let mut rng = Lcg(0x5eed);
    for _ in 0..4000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        check_invariants(&bytes);
    }
    let valid = three_records();
    for _ in 0..4000 {
        let mut file = valid.clone();
        for _ in 0..1 + rng.below(4) {
            let pos = rng.below(file.len());
            match rng.below(4) {
                0 => file[pos] ^= 1 << rng.below(8),
                1 => file[pos] = rng.next() as u8,
                2 => file.truncate(pos),
                _ => file.insert(pos, rng.next() as u8),
            }
            if file.is_empty() {
                break;
            }
        }
        check_invariants(&file);
    }
}
