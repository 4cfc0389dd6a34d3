use std::path::PathBuf;

use polars::prelude::*;

use super::*;

/// The titanic table as `FRAME.LOAD` reads it (one chunk a column).
fn titanic() -> DataFrame {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/titanic.csv");
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(10_000))
        .with_rechunk(true)
        .try_into_reader_with_file_path(Some(path))
        .expect("titanic.csv opens")
        .finish()
        .expect("titanic.csv parses")
}

fn with_column(frame: &DataFrame, column: Column) -> DataFrame {
    let mut next = frame.clone();
    next.with_column(column).expect("same height");
    next
}

fn cast(frame: &DataFrame, name: &str, dtype: &DataType) -> DataFrame {
    let column = frame.column(name).expect("column exists");
    with_column(frame, column.cast(dtype).expect("castable"))
}

fn renamed(frame: &DataFrame, from: &str, to: &str) -> DataFrame {
    let mut next = frame.clone();
    next.rename(from, to.into()).expect("column exists");
    next
}

/// v0 the file, then a cast, a rename, a drop, a filter (every column new),
/// a sort, a categorical cast and added date and UTC datetime columns.
fn titanic_history() -> Vec<DataFrame> {
    let v0 = titanic();
    let v1 = cast(&v0, "age", &DataType::Float32);
    let v2 = renamed(&v1, "sex", "gender");
    let v3 = v2.drop("deck").expect("deck exists");
    let mask = v3.column("age").unwrap().f32().unwrap().gt(30.0);
    let v4 = v3.filter(&mask).expect("mask has the frame's height");
    let v5 = v4
        .sort(["fare"], SortMultipleOptions::default())
        .expect("fare sorts");
    let category = DataType::from_categories(Categories::global());
    let v6 = cast(&v5, "class", &category);
    let days: Vec<i32> = (0..v6.height() as i32).map(|i| 19_000 + i).collect();
    let date = Column::new("day".into(), days)
        .cast(&DataType::Date)
        .unwrap();
    let v7 = with_column(&v6, date);
    let micros: Vec<i64> = (0..v7.height() as i64).map(|i| i * 3_600_000_000).collect();
    let utc = DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    let stamp = Column::new("at".into(), micros).cast(&utc).unwrap();
    let v8 = with_column(&v7, stamp);
    vec![v0, v1, v2, v3, v4, v5, v6, v7, v8]
}

fn assert_same_frames(decoded: &[DataFrame], original: &[DataFrame]) {
    assert_eq!(decoded.len(), original.len());
    for (i, (d, o)) in decoded.iter().zip(original).enumerate() {
        assert_eq!(d.schema(), o.schema(), "version {i}: names and dtypes");
        assert_eq!(d.height(), o.height(), "version {i}: height");
        assert!(d.equals_missing(o), "version {i}: values");
    }
}

/// Columns of `next` stored in the same buffers (and dtype) as a column of
/// `prev`.
fn shared_columns(prev: &DataFrame, next: &DataFrame) -> usize {
    next.columns()
        .iter()
        .filter(|c| {
            let Some(key) = column_key(c) else {
                return false;
            };
            prev.columns()
                .iter()
                .any(|p| p.dtype() == c.dtype() && column_key(p).as_ref() == Some(&key))
        })
        .count()
}

#[test]
fn titanic_history_round_trips_with_names_dtypes_and_values() {
    let history = titanic_history();
    let bytes = encode_frames(&history).unwrap();
    assert_eq!(&bytes[..4], b"FKVS");
    let decoded = decode_frames(&bytes).unwrap();
    assert_same_frames(&decoded, &history);
    let dtypes: Vec<String> = decoded[8].dtypes().iter().map(|d| d.to_string()).collect();
    assert!(dtypes.contains(&"date".to_string()), "{dtypes:?}");
    assert!(
        dtypes.iter().any(|d| d.starts_with("datetime")),
        "{dtypes:?}"
    );
    assert!(dtypes.iter().any(|d| d.starts_with("cat")), "{dtypes:?}");
}

#[test]
fn decoded_versions_share_buffers_like_the_originals() {
    let history = titanic_history();
    let decoded = decode_frames(&encode_frames(&history).unwrap()).unwrap();
    let original: Vec<usize> = history
        .windows(2)
        .map(|w| shared_columns(&w[0], &w[1]))
        .collect();
    let restored: Vec<usize> = decoded
        .windows(2)
        .map(|w| shared_columns(&w[0], &w[1]))
        .collect();
    // cast: 14 of 15, rename: all 15, drop: 14, filter and sort: none,
    // category cast: 13 of 14, then one column added each time.
    assert_eq!(original, vec![14, 15, 14, 0, 0, 13, 14, 15]);
    assert_eq!(restored, original);
}

#[test]
fn column_local_history_of_twenty_versions_costs_far_less_than_twenty_frames() {
    let mut history = vec![titanic()];
    for i in 1..20 {
        let prev = history.last().unwrap();
        let next = if i % 2 == 1 {
            let from = prev.columns()[i % prev.width()].name().to_string();
            renamed(prev, &from, &format!("{from}_{i}"))
        } else {
            let column = prev.columns()[0].clone();
            let doubled = column.as_materialized_series() * 2;
            with_column(prev, doubled.into_column())
        };
        history.push(next);
    }
    let one = encode_frames(&history[..1]).unwrap().len();
    let all = encode_frames(&history).unwrap();
    let ratio = all.len() as f64 / one as f64;
    eprintln!(
        "20-version history: {} bytes, one version: {one} bytes, ratio {ratio:.3}",
        all.len()
    );
    assert!(ratio < 2.0, "ratio {ratio}");
    assert_same_frames(&decode_frames(&all).unwrap(), &history);
}

#[test]
fn frames_without_columns_or_rows_round_trip() {
    let titanic = titanic();
    let history = vec![
        DataFrame::empty(),
        DataFrame::empty_with_height(7),
        titanic.clear(),
        titanic.head(Some(3)),
        titanic.head(Some(3)).select(["fare"]).unwrap(),
        DataFrame::empty_with_height(3),
    ];
    let decoded = decode_frames(&encode_frames(&history).unwrap()).unwrap();
    assert_same_frames(&decoded, &history);
    assert_eq!(decoded[1].height(), 7);
    assert_eq!(
        decode_frames(&encode_frames(&[]).unwrap()).unwrap().len(),
        0
    );
}

#[test]
fn zero_copy_cast_is_stored_with_its_new_dtype() {
    // int64 -> datetime reuses the values buffer; the dtype must not be lost.
    let v0 = df!("t" => [1_i64, 2, 3]).unwrap();
    let v1 = cast(&v0, "t", &DataType::Datetime(TimeUnit::Milliseconds, None));
    let key = |f: &DataFrame| column_key(f.column("t").unwrap());
    assert_eq!(key(&v0), key(&v1), "the cast shares the buffer");
    let history = vec![v0, v1];
    let decoded = decode_frames(&encode_frames(&history).unwrap()).unwrap();
    assert_same_frames(&decoded, &history);
}

/// A small history, so that the byte-by-byte checks below run quickly.
fn small_encoding() -> Vec<u8> {
    let history: Vec<DataFrame> = titanic_history().iter().map(|f| f.head(Some(20))).collect();
    encode_frames(&history).unwrap()
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = small_encoding();
    for end in (0..bytes.len()).step_by(97) {
        assert!(decode_frames(&bytes[..end]).is_err(), "cut at {end}");
    }
}

#[test]
fn every_flipped_byte_is_an_error() {
    let bytes = small_encoding();
    for at in (0..bytes.len()).step_by(97) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0xa5;
        assert!(decode_frames(&damaged).is_err(), "flip at {at}");
    }
}

/// Rebuilds a snapshot from a TOC and blobs with valid CRCs, so that the
/// checks behind the CRCs are reached.
fn assemble(toc: &[u8], blobs: &[&[u8]]) -> Vec<u8> {
    let mut out = b"FKVS".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(toc.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(toc).to_le_bytes());
    out.extend_from_slice(toc);
    for blob in blobs {
        out.extend_from_slice(&(blob.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(blob).to_le_bytes());
        out.extend_from_slice(blob);
    }
    out
}

/// A TOC of one frame of `height` rows with one column.
fn one_column_toc(height: u64, kind: u8, index: u32, name: &[u8]) -> Vec<u8> {
    let mut toc = 1u32.to_le_bytes().to_vec();
    toc.extend_from_slice(&height.to_le_bytes());
    toc.extend_from_slice(&1u32.to_le_bytes());
    toc.push(kind);
    toc.extend_from_slice(&index.to_le_bytes());
    toc.extend_from_slice(&(name.len() as u32).to_le_bytes());
    toc.extend_from_slice(name);
    toc
}

fn error_of(bytes: &[u8]) -> String {
    decode_frames(bytes).unwrap_err().to_string()
}

#[test]
fn inconsistent_tables_of_contents_are_named_errors() {
    let blob = encode_frames(&[df!("a" => [1_i64, 2]).unwrap()]).unwrap();
    let decoded_blob = {
        // The IPC file of that one-frame snapshot: after the header, the TOC
        // and the blob's length and CRC.
        let toc_len = u64::from_le_bytes(blob[8..16].try_into().unwrap()) as usize;
        blob[20 + toc_len + 12..].to_vec()
    };
    assert!(decode_frames(&assemble(&one_column_toc(2, 0, 0, b"a"), &[&decoded_blob])).is_ok());

    let cases: [(Vec<u8>, &str); 6] = [
        (
            one_column_toc(2, 1, 0, b"a"),
            "reference in the first frame",
        ),
        (one_column_toc(2, 7, 0, b"a"), "unknown kind 7"),
        (one_column_toc(2, 0, 3, b"a"), "out of range"),
        (one_column_toc(2, 0, 0, &[0xff, 0xfe]), "not UTF-8"),
        (one_column_toc(5, 0, 0, b"a"), "rows"),
        (one_column_toc(2, 0, u32::MAX, b"a"), "out of range"),
    ];
    for (toc, expected) in cases {
        let message = error_of(&assemble(&toc, &[&decoded_blob]));
        assert!(message.contains(expected), "{message}");
    }
    // A TOC claiming far more frames than it holds bytes for.
    let mut huge = u32::MAX.to_le_bytes().to_vec();
    huge.extend_from_slice(&[0; 12]);
    assert!(error_of(&assemble(&huge, &[])).contains("frame count"));
    // Magic, version, trailing bytes.
    assert!(error_of(b"NOPE\x01\0\0\0").contains("magic"));
    let mut later = blob.clone();
    later[4] = 9;
    assert!(error_of(&later).contains("version 9"));
    let mut trailing = blob.clone();
    trailing.push(0);
    assert!(error_of(&trailing).contains("after the last frame"));
}

#[test]
fn garbage_ipc_blobs_with_valid_crcs_are_errors_not_panics() {
    let bytes = small_encoding();
    let toc_len = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
    let toc = &bytes[20..20 + toc_len];
    let first_blob_len =
        u64::from_le_bytes(bytes[20 + toc_len..28 + toc_len].try_into().unwrap()) as usize;
    let blob_start = 20 + toc_len + 12;
    let first_blob = &bytes[blob_start..blob_start + first_blob_len];
    let rest = &bytes[blob_start + first_blob_len..];
    for at in (0..first_blob.len()).step_by(97) {
        let mut damaged = first_blob.to_vec();
        damaged[at] ^= 0xa5;
        let mut snapshot = assemble(toc, &[&damaged]);
        snapshot.extend_from_slice(rest);
        // Ok is acceptable where the damage hit a value, not the structure.
        let _ = decode_frames(&snapshot);
    }
    let garbage = assemble(&one_column_toc(2, 0, 0, b"a"), &[b"ARROW1\0\0garbage"]);
    assert!(error_of(&garbage).contains("frame 0"));
}
