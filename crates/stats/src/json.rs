//! JSON text exactly as `JSON.stringify` writes it: numbers in JavaScript's
//! `Number.prototype.toString` form (`0`, not `0.0`; `1e+21`, not `1e21`).

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::io;

/// Appends `v` as JavaScript prints a Number (ECMA-262 Number::toString).
/// Non-finite values become `null`, as `JSON.stringify` does; stats never hold them.
pub fn write_js_number(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("null");
        return;
    }
    if v == 0.0 {
        out.push('0'); // also -0, which JS prints as "0"
        return;
    }
    if v < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` gives the shortest round-trip digits, as JS does.
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp + 1; // the decimal point sits after n digits
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
}

/// A serde_json formatter that writes floats the JavaScript way and delegates
/// everything else (layout) to `F`.
pub struct JsFormatter<F>(pub F);

macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $name<W: ?Sized + io::Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> io::Result<()> {
            self.0.$name(w $(, $arg)*)
        }
    )*};
}

impl<F: Formatter> Formatter for JsFormatter<F> {
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        let mut s = String::with_capacity(24);
        write_js_number(&mut s, value);
        w.write_all(s.as_bytes())
    }
    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(w, f64::from(value))
    }
    delegate!(
        begin_array(),
        end_array(),
        begin_array_value(first: bool),
        end_array_value(),
        begin_object(),
        end_object(),
        begin_object_key(first: bool),
        end_object_key(),
        begin_object_value(),
        end_object_value(),
    );
}

fn write_with<F: Formatter, T: Serialize + ?Sized>(value: &T, f: F) -> String {
    let mut buf = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, JsFormatter(f));
    // Serializing our own values into a Vec cannot fail (map keys are strings).
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// `JSON.stringify(value)`.
pub fn to_js_json<T: Serialize + ?Sized>(value: &T) -> String {
    write_with(value, CompactFormatter)
}

/// `JSON.stringify(value, null, indent)` for an indent of `indent` spaces.
pub fn to_js_json_pretty<T: Serialize + ?Sized>(value: &T, indent: usize) -> String {
    let spaces = " ".repeat(indent);
    write_with(value, PrettyFormatter::with_indent(spaces.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js(v: f64) -> String {
        let mut s = String::new();
        write_js_number(&mut s, v);
        s
    }

    #[test]
    fn numbers_print_as_javascript_does() {
        // Expected strings are what `String(x)` gives in a browser console.
        assert_eq!(js(0.0), "0");
        assert_eq!(js(-0.0), "0");
        assert_eq!(js(1.0), "1");
        assert_eq!(js(-2.5), "-2.5");
        assert_eq!(js(0.001), "0.001");
        assert_eq!(js(0.000001), "0.000001");
        assert_eq!(js(0.0000001), "1e-7");
        assert_eq!(js(1795469422892.43), "1795469422892.43");
        assert_eq!(js(1795469417078.0), "1795469417078");
        assert_eq!(js(9114756780654345000.0), "9114756780654345000");
        assert_eq!(js(1e21), "1e+21");
        assert_eq!(js(1.5e300), "1.5e+300");
        assert_eq!(js(123456789012345680000.0), "123456789012345680000");
        assert_eq!(js(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(js(6.007), "6.007");
        assert_eq!(js(f64::NAN), "null");
    }

    #[test]
    fn documents_use_js_numbers() {
        let v = serde_json::json!({"a": 0.0, "b": [1.0, 2.5], "c": 7});
        assert_eq!(to_js_json(&v), r#"{"a":0,"b":[1,2.5],"c":7}"#);
        assert_eq!(
            to_js_json_pretty(&v, 1),
            "{\n \"a\": 0,\n \"b\": [\n  1,\n  2.5\n ],\n \"c\": 7\n}"
        );
    }
}
