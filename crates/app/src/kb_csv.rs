//! A small RFC 4180 CSV reader and writer for FAQ import and export (quoted fields may hold
//! commas, quotes and line breaks). Cells a spreadsheet would run as formulas are written with a
//! leading `'`, which the reader removes again, so an export re-imports unchanged.

/// One record and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Splits CSV text into records. A quote left open is reported on the record's line.
pub fn parse(text: &str) -> Vec<Result<Record, (usize, String)>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut was_quoted = false;
        let mut error = None;
        loop {
            let Some(c) = chars.next() else {
                if quoted {
                    error = Some("a quoted field is not closed".to_string());
                }
                break;
            };
            if c == '\n' {
                line += 1;
            }
            if quoted {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                    }
                } else {
                    field.push(c);
                }
                continue;
            }
            match c {
                '"' if field.is_empty() && !was_quoted => {
                    quoted = true;
                    was_quoted = true;
                }
                ',' => {
                    fields.push(unguard(std::mem::take(&mut field)));
                    was_quoted = false;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => break,
                _ => field.push(c),
            }
        }
        fields.push(unguard(field));
        if fields.len() == 1 && fields[0].trim().is_empty() && !was_quoted && error.is_none() {
            continue; // a blank line
        }
        out.push(match error {
            Some(e) => Err((start, e)),
            None => Ok(Record { line: start, fields }),
        });
    }
    out
}

fn unguard(text: String) -> String {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => text,
    }
}

/// One CSV cell: formulas defused, quoted when needed.
pub fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_and_line_numbers() {
        let text = "a,b\n\"x, \"\"y\"\"\",\"two\nlines\"\n\nplain,'=1+1\n\"open,z\n";
        let records = parse(text);
        assert_eq!(records[0], Ok(Record { line: 1, fields: vec!["a".into(), "b".into()] }));
        assert_eq!(records[1], Ok(Record { line: 2, fields: vec!["x, \"y\"".into(), "two\nlines".into()] }));
        assert_eq!(records[2], Ok(Record { line: 5, fields: vec!["plain".into(), "=1+1".into()] }));
        assert!(matches!(records[3], Err((6, _))));
        assert_eq!(field("=1+1"), "'=1+1");
        assert_eq!(field("a,b"), "\"a,b\"");
    }
}
