//! Where the function stands: a free function, or an associated one in an `impl` or `trait`.
//!
//! An attribute macro sees only its item, and the companions `#[grad]` writes beside a free
//! function (calling each other by plain name) do not compile as associated items: rustc would
//! report errors inside generated code. So the macro asks the source file: it finds the
//! innermost `{` around the function's `fn` and reads the words before it. A file it cannot
//! read (tokens made by another macro, say) counts as a free function, which is what a body
//! without `impl` or `trait` around it is.

/// The block a function is an item of, when it is one that needs saying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    Impl,
    Trait,
}

impl Block {
    /// The block as a sentence names it.
    pub fn named(self) -> &'static str {
        match self {
            Block::Impl => "an `impl` block",
            Block::Trait => "a `trait`",
        }
    }
}

/// The `impl` or `trait` block around the token at `span`, if its source file says so.
pub fn enclosing(span: proc_macro::Span) -> Option<Block> {
    let path = span.local_file()?;
    let text = std::fs::read_to_string(path).ok()?;
    // The source text at the span, to be sure the file read is the one rustc read.
    let at = find(&text, span.line(), span.column())?;
    (text[at..].starts_with("fn")).then(|| block_around(&text[..at]))?
}

/// The byte offset of the 1-based `line` and character `column`.
fn find(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = match line {
        0 => return None,
        1 => 0,
        _ => text.match_indices('\n').nth(line - 2)?.0 + 1,
    };
    let rest = &text[start..];
    let offset = rest
        .char_indices()
        .nth(column.checked_sub(1)?)
        .map(|(i, _)| i)?;
    Some(start + offset)
}

/// What an open `(`, `[` or `{` of the text is.
enum Open {
    Group,
    Brace(Option<Block>),
}

/// The block of the innermost brace still open at the end of `text`: the words before an
/// `impl` or `trait` brace, outside parentheses and brackets (attributes, `pub(crate)`), begin
/// with `impl` or `trait` after any of `pub crate super self in unsafe default auto`.
pub fn block_around(text: &str) -> Option<Block> {
    let chars: Vec<char> = text.chars().collect();
    let mut open: Vec<Open> = Vec::new();
    let mut header: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                i = skip_block_comment(&chars, i);
                continue;
            }
            '"' => {
                i = skip_string(&chars, i + 1);
                continue;
            }
            '\'' => {
                i = skip_char(&chars, i);
                continue;
            }
            '(' | '[' => open.push(Open::Group),
            ')' | ']' => {
                if let Some(Open::Group) = open.last() {
                    open.pop();
                }
            }
            '{' => {
                let block = match open.last() {
                    Some(Open::Group) => None,
                    _ => header_block(&header),
                };
                open.push(Open::Brace(block));
                header.clear();
            }
            '}' => {
                while let Some(Open::Group) = open.last() {
                    open.pop();
                }
                open.pop();
                header.clear();
            }
            ';' if !matches!(open.last(), Some(Open::Group)) => header.clear(),
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if let Some(end) = raw_string(&chars, &word, i) {
                    i = end;
                } else if !matches!(open.last(), Some(Open::Group)) {
                    header.push(word);
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    open.iter().rev().find_map(|o| match o {
        Open::Brace(block) => Some(*block),
        Open::Group => None,
    })?
}

fn header_block(words: &[String]) -> Option<Block> {
    let lead = [
        "pub", "crate", "super", "self", "in", "unsafe", "default", "auto",
    ];
    match words.iter().find(|w| !lead.contains(&w.as_str()))?.as_str() {
        "impl" => Some(Block::Impl),
        "trait" => Some(Block::Trait),
        _ => None,
    }
}

/// Past `/* … */` starting at `i`; these nest.
fn skip_block_comment(chars: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('/', Some('*')) => {
                depth += 1;
                i += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    i
}

/// Past the closing `"` of a string whose contents start at `i`.
fn skip_string(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// Past a raw string `r"…"`, `r#"…"#` (or `br`, `cr`) whose prefix `word` ends at `i`.
fn raw_string(chars: &[char], word: &str, i: usize) -> Option<usize> {
    if !matches!(word, "r" | "br" | "cr") {
        return None;
    }
    let hashes = chars[i..].iter().take_while(|&&c| c == '#').count();
    (chars.get(i + hashes) == Some(&'"')).then(|| {
        // A raw string has no escapes: scan for `"` followed by the hashes.
        let mut j = i + hashes + 1;
        while j < chars.len() {
            if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                return j + 1 + hashes;
            }
            j += 1;
        }
        j
    })
}

/// Past a character literal at `i` (`'a'`, `'\n'`, `'\u{7f}'`), or just past the `'` of a
/// lifetime.
fn skip_char(chars: &[char], i: usize) -> usize {
    match chars.get(i + 1) {
        Some('\\') => {
            let mut j = i + 3;
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            j + 1
        }
        Some(_) if chars.get(i + 2) == Some(&'\'') => i + 3,
        _ => i + 1,
    }
}
