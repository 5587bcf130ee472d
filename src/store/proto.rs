//! A minimal Protocol Buffers encoder (the proto3 wire format), enough to write TensorBoard's
//! event files without a protobuf crate: varints, 64-bit doubles, length-delimited bytes and
//! nested messages. Field numbers come from the `.proto` files of the format being written.
//!
//! Every call writes its field, default values included: a proto3 reader takes an explicit
//! zero as the zero it would have assumed, and members of a `oneof` (a `false` bool value,
//! a `0.0` number) must be written to be set at all.

/// A message being encoded: its serialized bytes so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct Message(Vec<u8>);

const VARINT: u64 = 0;
const FIXED64: u64 = 1;
const LEN: u64 = 2;

impl Message {
    /// An empty message.
    pub fn new() -> Message {
        Message(Vec::new())
    }

    fn raw_varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn key(&mut self, field: u32, wire: u64) {
        self.raw_varint((u64::from(field) << 3) | wire);
    }

    /// An unsigned varint field (`uint64`, `uint32`).
    pub fn uint(mut self, field: u32, v: u64) -> Message {
        self.key(field, VARINT);
        self.raw_varint(v);
        self
    }

    /// A signed varint field (`int64`, `int32`, an enum): two's complement, as protobuf
    /// encodes negative values of these types.
    pub fn int(self, field: u32, v: i64) -> Message {
        self.uint(field, v as u64)
    }

    /// A `bool` field.
    pub fn bool(self, field: u32, b: bool) -> Message {
        self.uint(field, u64::from(b))
    }

    /// A `double` field.
    pub fn double(mut self, field: u32, v: f64) -> Message {
        self.key(field, FIXED64);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A `bytes` field.
    pub fn bytes(mut self, field: u32, bytes: &[u8]) -> Message {
        self.key(field, LEN);
        self.raw_varint(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
        self
    }

    /// A `string` field.
    pub fn string(self, field: u32, s: &str) -> Message {
        self.bytes(field, s.as_bytes())
    }

    /// A nested message field.
    pub fn message(self, field: u32, m: &Message) -> Message {
        self.bytes(field, &m.0)
    }

    /// A packed `repeated float` field.
    pub fn packed_floats(self, field: u32, values: &[f32]) -> Message {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.bytes(field, &bytes)
    }

    /// The serialized message.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A decoder of the same wire format, for tests that read back what the encoder wrote.
#[cfg(test)]
pub(crate) mod decode {
    /// One field's value, as the wire format carries it.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub enum Field<'a> {
        Varint(u64),
        Fixed64(u64),
        Bytes(&'a [u8]),
        Fixed32(u32),
    }

    impl<'a> Field<'a> {
        pub fn varint(self) -> u64 {
            match self {
                Field::Varint(v) => v,
                other => panic!("expected a varint, found {other:?}"),
            }
        }
        pub fn double(self) -> f64 {
            match self {
                Field::Fixed64(v) => f64::from_bits(v),
                other => panic!("expected a double, found {other:?}"),
            }
        }
        pub fn bytes(self) -> &'a [u8] {
            match self {
                Field::Bytes(b) => b,
                other => panic!("expected bytes, found {other:?}"),
            }
        }
        pub fn str(self) -> &'a str {
            std::str::from_utf8(self.bytes()).expect("a UTF-8 string")
        }
    }

    fn varint(buf: &[u8], at: &mut usize) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *buf.get(*at).ok_or("truncated varint")?;
            *at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err("varint longer than 10 bytes".into())
    }

    fn take<'a>(buf: &'a [u8], at: &mut usize, n: usize) -> Result<&'a [u8], String> {
        let end = at.checked_add(n).filter(|&e| e <= buf.len()).ok_or("truncated field")?;
        let out = &buf[*at..end];
        *at = end;
        Ok(out)
    }

    /// Every (field number, value) of a message, in wire order.
    pub fn fields(buf: &[u8]) -> Result<Vec<(u32, Field<'_>)>, String> {
        let mut at = 0;
        let mut out = Vec::new();
        while at < buf.len() {
            let key = varint(buf, &mut at)?;
            let field = u32::try_from(key >> 3).map_err(|_| "field number out of range")?;
            let value = match key & 7 {
                0 => Field::Varint(varint(buf, &mut at)?),
                1 => Field::Fixed64(u64::from_le_bytes(take(buf, &mut at, 8)?.try_into().unwrap())),
                2 => {
                    let n = usize::try_from(varint(buf, &mut at)?).map_err(|_| "length out of range")?;
                    Field::Bytes(take(buf, &mut at, n)?)
                }
                5 => Field::Fixed32(u32::from_le_bytes(take(buf, &mut at, 4)?.try_into().unwrap())),
                w => return Err(format!("unsupported wire type {w}")),
            };
            out.push((field, value));
        }
        Ok(out)
    }

    /// The values of field `number`, in order.
    pub fn all(buf: &[u8], number: u32) -> Vec<Field<'_>> {
        fields(buf).expect("a well-formed message").into_iter().filter(|(f, _)| *f == number).map(|(_, v)| v).collect()
    }

    /// The single value of field `number`.
    pub fn one(buf: &[u8], number: u32) -> Field<'_> {
        let found = all(buf, number);
        assert_eq!(found.len(), 1, "field {number} occurs {} times", found.len());
        found[0]
    }
}

#[cfg(test)]
mod tests {
    use super::decode::{fields, one, Field};
    use super::Message;

    #[test]
    fn encodes_the_documented_examples() {
        // From the protobuf encoding guide: field 1 = 150 is 08 96 01; field 2 = "testing".
        assert_eq!(Message::new().uint(1, 150).as_bytes(), [0x08, 0x96, 0x01]);
        assert_eq!(Message::new().string(2, "testing").as_bytes(), b"\x12\x07testing");
        // A negative int32/int64 takes ten bytes.
        assert_eq!(Message::new().int(1, -1).as_bytes().len(), 11);
        let nested = Message::new().uint(1, 150);
        assert_eq!(Message::new().message(3, &nested).as_bytes(), [0x1a, 0x03, 0x08, 0x96, 0x01]);
    }

    #[test]
    fn round_trips_through_the_decoder() {
        let inner = Message::new().double(1, -0.5).bool(2, false);
        let m = Message::new().int(2, -7).message(5, &inner).packed_floats(7, &[0.25]);
        let decoded = fields(m.as_bytes()).unwrap();
        assert_eq!(decoded[0], (2, Field::Varint((-7i64) as u64)));
        assert_eq!(one(m.as_bytes(), 5).bytes(), inner.as_bytes());
        assert_eq!(one(inner.as_bytes(), 1).double(), -0.5);
        assert_eq!(one(inner.as_bytes(), 2).varint(), 0);
        assert_eq!(decoded.len(), 3);
        assert_eq!(one(m.as_bytes(), 7).bytes(), 0.25f32.to_le_bytes());
        assert_eq!(fields(&[0x0d, 1, 0, 0, 0]).unwrap(), [(1, Field::Fixed32(1))]);
        assert!(fields(&[0x12, 0x05, b'a']).is_err(), "a truncated field is an error");
    }
}
