//! The mutator: byte-level changes (flips, insertions, deletions, repeats, truncation,
//! splices of other corpus entries, non-UTF-8 bytes, huge numbers, deep nesting, tokens of
//! the format) and structure-aware ones (a JSON document or a JSON line changed at one node
//! and written back; TOML through JSON and back), all drawn from one seeded generator so a
//! run is reproducible from its seed.

use serde_json::Value as Json;

use crate::rng::Rng;

/// Numbers at the edges of what parsers and the types behind them hold.
const NUMBERS: &[&str] = &[
    "0", "-0", "-1", "1", "2", "3", "255", "256", "65536", "10000", "10001", "4294967295", "4294967296", "-2147483649",
    "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "99999999999999999999999999999999", "1e308", "1e309", "-1e309",
    "2.5e-324", "1e-400", "0.1", "-0.5", "1.7976931348623157e308", "NaN", "Infinity", "-Infinity", "nan", "inf", "-inf",
    "1e", "0x10", "1_000", "+1", ".5", "5.", "00012", "1e999999999",
];

/// Bytes that mean something to most text formats.
const SPECIAL: &[u8] = b"\0\n\r\t \"'\\{}[]:,=#.-+0123456789eE_|%$";

/// Byte sequences that are not UTF-8 (stray continuation, overlong, surrogate, past
/// U+10FFFF, truncated), and a byte-order mark.
const NOT_UTF8: &[&[u8]] = &[b"\xff", b"\xfe\xff", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xef\xbb\xbf"];

/// A mutator over one target's corpus and dictionary.
pub(super) struct Mutator<'a> {
    pub rng: Rng,
    /// Tokens of the target's format (keys, keywords, prefixes).
    pub dict: &'a [&'a [u8]],
    /// The longest input produced.
    pub max_len: usize,
}

impl Mutator<'_> {
    fn below(&mut self, n: usize) -> usize {
        self.rng.below(n)
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'b, T>(&mut self, items: &'b [T]) -> &'b T {
        &items[self.below(items.len())]
    }

    /// A position in `0..=len` (an insertion point).
    fn point(&mut self, len: usize) -> usize {
        self.below(len + 1)
    }

    /// 1 to 4 byte-level mutations of `input`, with `corpus` to splice from.
    pub fn bytes(&mut self, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
        let mut out = input.to_vec();
        let rounds = 1 + self.below(4);
        for _ in 0..rounds {
            self.once(&mut out, corpus);
        }
        out.truncate(self.max_len);
        out
    }

    fn once(&mut self, out: &mut Vec<u8>, corpus: &[Vec<u8>]) {
        let len = out.len();
        match self.below(17) {
            // A bit flip.
            0 if len > 0 => {
                let i = self.below(len);
                out[i] ^= 1 << self.below(8);
            }
            // A byte set to one that matters to the format, or to any byte.
            1 if len > 0 => {
                let i = self.below(len);
                out[i] = if self.chance(2) { *self.pick(SPECIAL) } else { self.rng.next_u64() as u8 };
            }
            // Random bytes inserted.
            2 => {
                let at = self.point(len);
                let n = 1 + self.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| if self.chance(2) { *self.pick(SPECIAL) } else { self.rng.next_u64() as u8 }).collect();
                out.splice(at..at, bytes);
            }
            // A range deleted.
            3 | 4 if len > 0 => {
                let at = self.below(len);
                let most = if self.chance(4) { len } else { 16 };
                let n = 1 + self.below((len - at).min(most));
                out.drain(at..at + n);
            }
            // A chunk repeated (a few times, or many).
            5 if len > 0 => {
                let at = self.below(len);
                let n = 1 + self.below((len - at).min(64));
                let times = if self.chance(4) { 1 + self.below(2000) } else { 1 + self.below(4) };
                let chunk = out[at..at + n].to_vec();
                let repeated: Vec<u8> = chunk.iter().copied().cycle().take((n * times).min(self.max_len)).collect();
                out.splice(at..at, repeated);
            }
            // A chunk of another corpus entry inserted, or this entry's tail replaced by one.
            6 | 7 => {
                let other = self.pick(corpus).clone();
                if other.is_empty() {
                    return;
                }
                let from = self.below(other.len());
                let n = 1 + self.below((other.len() - from).min(256));
                if self.chance(2) {
                    let at = self.point(len);
                    out.splice(at..at, other[from..from + n].iter().copied());
                } else {
                    let at = self.point(len);
                    out.truncate(at);
                    out.extend_from_slice(&other[from..]);
                }
            }
            // Truncated (a torn write).
            8 if len > 0 => {
                let at = self.below(len);
                out.truncate(at);
            }
            // A number replaced by one at an edge, or one inserted.
            9 | 10 => {
                let number = self.pick(NUMBERS).as_bytes().to_vec();
                match digit_run(out, self.below(len.max(1))) {
                    Some((start, end)) if !self.chance(4) => {
                        out.splice(start..end, number);
                    }
                    _ => {
                        let at = self.point(len);
                        out.splice(at..at, number);
                    }
                }
            }
            // Deep nesting: opening brackets (closed or not) where a value might go.
            11 => {
                let depth = match self.below(3) {
                    0 => 1 + self.below(64),
                    1 => 100 + self.below(200),
                    _ => 1000 + self.below(20_000),
                };
                let (open, close): (&[u8], &[u8]) = match self.below(4) {
                    0 => (b"[", b"]"),
                    1 => (b"{\"a\":", b"}"),
                    2 => (b"{a=", b"}"),
                    _ => (b"[{\"x\":[", b"]}]"),
                };
                let at = self.point(len);
                let mut nest = open.repeat(depth);
                if self.chance(2) {
                    nest.extend_from_slice(b"1");
                    nest.extend(close.repeat(depth));
                }
                out.splice(at..at, nest);
            }
            // Bytes that are not UTF-8.
            12 => {
                let bytes = self.pick(NOT_UTF8).to_vec();
                let at = self.point(len);
                out.splice(at..at, bytes);
            }
            // A token of the format inserted, or written over bytes.
            13 | 14 if !self.dict.is_empty() => {
                let token = self.pick(self.dict).to_vec();
                let at = self.point(len);
                if self.chance(2) {
                    out.splice(at..at, token);
                } else {
                    let end = (at + token.len()).min(len);
                    out.splice(at..end, token);
                }
            }
            // Whole lines: one deleted, duplicated, swapped, or taken from another entry.
            15 | 16 => self.lines(out, corpus),
            _ => {}
        }
    }

    fn lines(&mut self, out: &mut Vec<u8>, corpus: &[Vec<u8>]) {
        let mut lines: Vec<Vec<u8>> = out.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        if lines.is_empty() {
            return;
        }
        let i = self.below(lines.len());
        match self.below(4) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let line = lines[i].clone();
                let times = if self.chance(8) { 1 + self.below(500) } else { 1 };
                for _ in 0..times {
                    lines.insert(i, line.clone());
                }
            }
            2 => {
                let j = self.below(lines.len());
                lines.swap(i, j);
            }
            _ => {
                let other = self.pick(corpus);
                let theirs: Vec<&[u8]> = other.split_inclusive(|&b| b == b'\n').collect();
                if !theirs.is_empty() {
                    let line = self.pick(&theirs).to_vec();
                    lines.insert(i, line);
                }
            }
        }
        *out = lines.concat();
    }

    /// A JSON document changed at one node (or a few), written back compact or pretty;
    /// `None` when `input` is not JSON.
    pub fn json_doc(&mut self, input: &[u8]) -> Option<Vec<u8>> {
        let mut value: Json = serde_json::from_slice(input).ok()?;
        let rounds = 1 + self.below(3);
        for _ in 0..rounds {
            self.json(&mut value, 0);
        }
        let mut out = if self.chance(2) { serde_json::to_vec(&value).ok()? } else { serde_json::to_vec_pretty(&value).ok()? };
        out.truncate(self.max_len);
        Some(out)
    }

    /// One line of a line-based format whose lines carry JSON after an optional prefix
    /// (`<crc> {...}`, `ABLATE_RESULT {...}`) changed as JSON; `None` when no line does.
    pub fn json_line(&mut self, input: &[u8]) -> Option<Vec<u8>> {
        let mut lines: Vec<Vec<u8>> = input.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        let candidates: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].iter().any(|&b| b == b'{' || b == b'[')).collect();
        if candidates.is_empty() {
            return None;
        }
        let i = *self.pick(&candidates);
        let line = &lines[i];
        let start = line.iter().position(|&b| b == b'{' || b == b'[')?;
        let end = line.len() - usize::from(line.ends_with(b"\n"));
        let mut value: Json = serde_json::from_slice(&line[start..end]).ok()?;
        let rounds = 1 + self.below(2);
        for _ in 0..rounds {
            self.json(&mut value, 0);
        }
        let mut new = line[..start].to_vec();
        new.extend(serde_json::to_vec(&value).ok()?);
        new.extend_from_slice(&line[end..]);
        lines[i] = new;
        let mut out = lines.concat();
        out.truncate(self.max_len);
        Some(out)
    }

    /// Changes one node of `value`: descends to a random child, or replaces, removes,
    /// duplicates or adds at this level.
    fn json(&mut self, value: &mut Json, depth: usize) {
        let descend = depth < 12 && self.below(3) != 0;
        match value {
            Json::Object(map) if !map.is_empty() && descend => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let key = self.pick(&keys).clone();
                if let Some(child) = map.get_mut(&key) {
                    self.json(child, depth + 1);
                }
            }
            Json::Array(items) if !items.is_empty() && descend => {
                let i = self.below(items.len());
                self.json(&mut items[i], depth + 1);
            }
            Json::Object(map) => match self.below(4) {
                0 if !map.is_empty() => {
                    let keys: Vec<String> = map.keys().cloned().collect();
                    let key = self.pick(&keys).clone();
                    map.remove(&key);
                }
                1 => {
                    let key = self.key();
                    let new = self.leaf();
                    map.insert(key, new);
                }
                _ => *value = self.leaf(),
            },
            Json::Array(items) => match self.below(4) {
                0 if !items.is_empty() => {
                    let i = self.below(items.len());
                    items.remove(i);
                }
                1 if !items.is_empty() => {
                    let i = self.below(items.len());
                    let copy = items[i].clone();
                    let times = if self.chance(8) { 1 + self.below(300) } else { 1 };
                    for _ in 0..times {
                        items.insert(i, copy.clone());
                    }
                }
                2 => {
                    let new = self.leaf();
                    items.push(new);
                }
                _ => *value = self.leaf(),
            },
            _ if self.chance(2) => *value = self.like(value),
            _ => *value = self.leaf(),
        }
    }

    /// A value of the same type as `value` (so more inputs get past type checks to the
    /// checks behind them): another edge number, another string, the other bool.
    fn like(&mut self, value: &Json) -> Json {
        match value {
            Json::Bool(b) => Json::Bool(!b),
            Json::Number(n) if n.is_i64() || n.is_u64() => match self.below(3) {
                0 => Json::from(n.as_i64().unwrap_or(0).wrapping_add(self.below(5) as i64 - 2)),
                1 => Json::from(self.rng.next_u64() as i64 >> (1 + self.below(63))),
                _ => self.edge_number().unwrap_or_else(|| Json::from(0)),
            },
            Json::Number(n) => match self.below(3) {
                0 => Json::from(n.as_f64().unwrap_or(0.0) * [0.0, -1.0, 0.5, 2.0, 1e10, 1e-10][self.below(6)]),
                1 => Json::from(self.rng.next_f64() * 10f64.powi(self.below(40) as i32 - 20)),
                _ => self.edge_number().unwrap_or_else(|| Json::from(0.0)),
            },
            Json::String(s) => match self.below(4) {
                0 => Json::String(String::new()),
                1 => Json::String(format!("{s}{s}")),
                2 => Json::String(s.chars().rev().collect()),
                _ => Json::String(self.key()),
            },
            _ => self.leaf(),
        }
    }

    /// An edge number as JSON, when JSON can hold it.
    fn edge_number(&mut self) -> Option<Json> {
        let text: &&str = self.pick(NUMBERS);
        serde_json::from_str(text).ok()
    }

    /// A key: one of the format's tokens (unquoted), or an odd one.
    fn key(&mut self) -> String {
        let words: Vec<String> = self
            .dict
            .iter()
            .filter_map(|t| std::str::from_utf8(t).ok())
            .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric() && c != '_').to_string())
            .filter(|t| !t.is_empty())
            .collect();
        if !words.is_empty() && self.chance(2) {
            return self.pick(&words).clone();
        }
        self.pick(&["", "x", "step", "name", "a.b", "é", "\u{0}", "{seed}", "NaN", "99"]).to_string()
    }

    /// A replacement value: an edge number, an odd string, another type, a deep nest.
    fn leaf(&mut self) -> Json {
        match self.below(12) {
            0 => Json::Null,
            1 => Json::Bool(self.chance(2)),
            2..=4 => {
                let text = *self.pick(NUMBERS);
                serde_json::from_str(text).unwrap_or_else(|_| Json::String(text.to_string()))
            }
            5 => Json::from(self.rng.next_u64() as i64 >> self.below(64)),
            6 => Json::from(self.rng.next_f64() * 10f64.powi(self.below(40) as i32 - 20)),
            7 => Json::String(self.key()),
            8 => Json::String("x".repeat(1 + self.below(5000))),
            9 => Json::Array(Vec::new()),
            10 => Json::Object(serde_json::Map::new()),
            _ => {
                let mut v = Json::from(1);
                for _ in 0..(1 + self.below(200)) {
                    v = Json::Array(vec![v]);
                }
                v
            }
        }
    }

    /// A TOML document changed through JSON: read as data, one node changed, written back
    /// as TOML; `None` when `input` is not TOML.
    pub fn toml_doc(&mut self, input: &[u8]) -> Option<Vec<u8>> {
        let text = std::str::from_utf8(input).ok()?;
        let mut value: Json = toml::from_str(text).ok()?;
        let rounds = 1 + self.below(3);
        for _ in 0..rounds {
            self.json(&mut value, 0);
        }
        let mut out = to_toml(&value)?.into_bytes();
        out.truncate(self.max_len);
        Some(out)
    }
}

/// The run of ASCII digits (with a sign, point or exponent) around `at`, if `at` is in one.
fn digit_run(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let is_num = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E');
    let i = (at..bytes.len()).find(|&i| bytes[i].is_ascii_digit())?;
    let start = (0..i).rev().take_while(|&j| is_num(bytes[j])).last().unwrap_or(i);
    let end = (i..bytes.len()).find(|&j| !is_num(bytes[j])).unwrap_or(bytes.len());
    Some((start, end))
}

/// A JSON object written as a TOML document: scalars and arrays of scalars as `key =
/// value`, objects as `[table]`, arrays of objects as `[[table]]`, deeper values inline.
/// Nulls have no TOML form and are left out. `None` unless `value` is an object.
pub(super) fn to_toml(value: &Json) -> Option<String> {
    let Json::Object(map) = value else { return None };
    let mut out = String::new();
    let is_table = |v: &Json| v.is_object();
    let is_table_array = |v: &Json| v.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(Json::is_object));
    for (key, v) in map {
        if !is_table(v) && !is_table_array(v) && !v.is_null() {
            out.push_str(&format!("{} = {}\n", toml_key(key), toml_inline(v)));
        }
    }
    for (key, v) in map {
        if let Json::Object(table) = v {
            out.push_str(&format!("\n[{}]\n", toml_key(key)));
            for (k, x) in table.iter().filter(|(_, x)| !x.is_null()) {
                out.push_str(&format!("{} = {}\n", toml_key(k), toml_inline(x)));
            }
        } else if is_table_array(v) {
            for item in v.as_array().into_iter().flatten() {
                out.push_str(&format!("\n[[{}]]\n", toml_key(key)));
                for (k, x) in item.as_object().into_iter().flatten().filter(|(_, x)| !x.is_null()) {
                    out.push_str(&format!("{} = {}\n", toml_key(k), toml_inline(x)));
                }
            }
        }
    }
    Some(out)
}

fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        key.to_string()
    } else {
        toml_string(key)
    }
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_inline(v: &Json) -> String {
    match v {
        Json::Null => "\"\"".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(0.0);
            let text = format!("{x:?}");
            if text.contains(['.', 'e', 'E', 'i', 'N']) { text } else { format!("{text}.0") }
        }
        Json::Number(n) => n.to_string(),
        Json::String(s) => toml_string(s),
        Json::Array(items) => format!("[{}]", items.iter().map(toml_inline).collect::<Vec<_>>().join(", ")),
        Json::Object(map) => format!("{{ {} }}", map.iter().filter(|(_, x)| !x.is_null()).map(|(k, x)| format!("{} = {}", toml_key(k), toml_inline(x))).collect::<Vec<_>>().join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_written_from_json_reads_back() {
        let json: Json = serde_json::json!({"name": "s", "seeds": [1, 2], "param": [{"name": "lr", "type": "float", "baseline": 0.1, "bounds": [1.0, 2.5]}], "run": {"workers": 2}});
        let text = to_toml(&json).unwrap();
        let back: Json = toml::from_str(&text).unwrap();
        assert_eq!(back, json, "{text}");
    }

    #[test]
    fn mutations_are_reproducible_and_bounded() {
        let corpus = vec![b"{\"a\": [1, 2, {\"b\": \"c\"}]}\n".to_vec(), b"x = 1\n".to_vec()];
        let run = |seed| {
            let mut m = Mutator { rng: Rng::new(seed), dict: &[b"op_code"], max_len: 4096 };
            (0..200).map(|i| m.bytes(&corpus[i % 2], &corpus)).collect::<Vec<_>>()
        };
        let (a, b) = (run(7), run(7));
        assert_eq!(a, b);
        assert!(a.iter().all(|x| x.len() <= 4096));
        assert!(a.iter().any(|x| std::str::from_utf8(x).is_err()), "some inputs are not UTF-8");
    }
}
