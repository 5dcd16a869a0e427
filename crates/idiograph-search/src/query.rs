//! The query language: words, "phrases", prefixes (`burn*`), `AND`/`OR`/`NOT`, `-word` and
//! parentheses. Adjacent terms are joined by AND. Operators are recognised in capitals only, so
//! a lowercase "and" or "not" is an ordinary word.

use crate::SearchError;

/// A parsed query, before it is analysed for one field (stemmed or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A bare word (may analyse into several tokens, e.g. "couldn't" → a phrase).
    Word(String),
    /// A quoted phrase.
    Phrase(String),
    /// A word ending in `*`: every word that starts with it.
    Prefix(String),
    /// All of these.
    And(Vec<Node>),
    /// Any of these.
    Or(Vec<Node>),
    /// Not this.
    Not(Box<Node>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Not,
    Minus,
    Quoted(String),
    Bare(String),
}

fn lex(input: &str) -> Result<Vec<Tok>, SearchError> {
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => out.push(Tok::Open),
            ')' => out.push(Tok::Close),
            '"' | '“' | '”' => {
                let mut s = String::new();
                let mut closed = false;
                for (_, d) in chars.by_ref() {
                    if d == '"' || d == '”' || d == '“' {
                        closed = true;
                        break;
                    }
                    s.push(d);
                }
                if !closed {
                    return Err(SearchError::Query(format!(
                        "the phrase starting at character {} has no closing quote",
                        i + 1
                    )));
                }
                out.push(Tok::Quoted(s));
            }
            // A '-' that starts a word negates it ("-guilt"); inside a word it is a hyphen.
            '-' if chars.peek().is_some_and(|&(_, d)| !d.is_whitespace()) => out.push(Tok::Minus),
            _ => {
                let mut s = String::from(c);
                while let Some(&(_, d)) = chars.peek() {
                    if d.is_whitespace() || d == '(' || d == ')' || d == '"' {
                        break;
                    }
                    s.push(d);
                    chars.next();
                }
                out.push(match s.as_str() {
                    "AND" | "&&" => Tok::And,
                    "OR" | "||" => Tok::Or,
                    "NOT" => Tok::Not,
                    _ => Tok::Bare(s),
                });
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn or(&mut self) -> Result<Node, SearchError> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.pop().expect("one part") } else { Node::Or(parts) })
    }

    fn and(&mut self) -> Result<Node, SearchError> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.pos += 1;
                    parts.push(self.unary()?);
                }
                Some(Tok::Or) | Some(Tok::Close) | None => break,
                Some(_) => parts.push(self.unary()?),
            }
        }
        Ok(if parts.len() == 1 { parts.pop().expect("one part") } else { Node::And(parts) })
    }

    fn unary(&mut self) -> Result<Node, SearchError> {
        match self.peek() {
            Some(Tok::Not) | Some(Tok::Minus) => {
                self.pos += 1;
                Ok(Node::Not(Box::new(self.unary()?)))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Node, SearchError> {
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        match tok {
            Some(Tok::Open) => {
                let inner = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(SearchError::Query("a '(' has no matching ')'".into()));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Tok::Quoted(s)) => Ok(Node::Phrase(s)),
            Some(Tok::Bare(s)) => match s.strip_suffix('*') {
                Some(p) if !p.is_empty() && !p.contains('*') => Ok(Node::Prefix(p.to_owned())),
                _ if s.contains('*') => Err(SearchError::Query(format!(
                    "'{s}': a '*' may only end a word of at least one letter (prefix search, e.g. burn*)"
                ))),
                _ => Ok(Node::Word(s)),
            },
            Some(Tok::Close) => Err(SearchError::Query("a ')' has no matching '('".into())),
            Some(Tok::And) | Some(Tok::Or) => {
                Err(SearchError::Query("AND and OR need a search term on both sides".into()))
            }
            Some(Tok::Not) | Some(Tok::Minus) => unreachable!("handled by unary"),
            None => Err(SearchError::Query("the query ends where a search term was expected".into())),
        }
    }
}

/// Parses a query; an empty query is an error.
pub fn parse(input: &str) -> Result<Node, SearchError> {
    let toks = lex(input)?;
    if toks.is_empty() {
        return Err(SearchError::Query("the query is empty".into()));
    }
    let mut p = Parser { toks, pos: 0 };
    let node = p.or()?;
    if p.pos < p.toks.len() {
        return Err(SearchError::Query("a ')' has no matching '('".into()));
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        assert_eq!(parse("burn*").unwrap(), Node::Prefix("burn".into()));
        assert_eq!(
            parse("a b OR c").unwrap(),
            Node::Or(vec![Node::And(vec![Node::Word("a".into()), Node::Word("b".into())]), Node::Word("c".into())])
        );
        assert_eq!(
            parse("\"weight had been lifted\" -guilt").unwrap(),
            Node::And(vec![
                Node::Phrase("weight had been lifted".into()),
                Node::Not(Box::new(Node::Word("guilt".into())))
            ])
        );
        assert_eq!(
            parse("(a OR b) AND NOT c").unwrap(),
            Node::And(vec![
                Node::Or(vec![Node::Word("a".into()), Node::Word("b".into())]),
                Node::Not(Box::new(Node::Word("c".into())))
            ])
        );
        assert_eq!(parse("well-being").unwrap(), Node::Word("well-being".into()));
        assert!(parse("").is_err());
        assert!(parse("(a").is_err());
        assert!(parse("a)").is_err());
        assert!(parse("\"open").is_err());
        assert!(parse("a OR").is_err());
        assert!(parse("*").is_err());
    }
}
