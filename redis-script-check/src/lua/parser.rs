//! Lua 5.1's grammar, after `lparser.c`: the same statements, the same operator priorities, the same
//! places a call or an assignment may start.

use super::ast::punctuated::{Pair, Punctuated};
use super::ast::*;
use super::tokenizer::{LexError, Symbol, Token, TokenReference, TokenType};

/// Why a chunk could not be parsed: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

impl From<LexError> for ParseError {
    fn from(error: LexError) -> ParseError {
        ParseError {
            line: error.at.line(),
            message: error.message.to_owned(),
        }
    }
}

/// How deep the parser recurses before it refuses: a guard for the stack, above Lua's own limit of
/// 200 nested blocks and expressions (`LUAI_MAXCCALLS`, which the compiler has enforced before a tree
/// is read), so never a limit on a script that compiles.
const MAX_DEPTH: usize = 1000;

/// Parses a chunk.
pub(crate) fn parse(source: &str) -> Result<Ast, ParseError> {
    let mut references = Vec::new();
    let mut leading = String::new();
    for token in super::tokenizer::tokens(source)? {
        if token.token_type().is_trivia() {
            leading.push_str(&token.to_string());
        } else {
            references.push(TokenReference::new(std::mem::take(&mut leading), token));
        }
    }
    references.reverse();
    let mut parser = Parser {
        tokens: references,
        depth: 0,
    };
    let nodes = parser.block()?;
    match parser.peek().token_type() {
        TokenType::Eof => Ok(Ast {
            nodes,
            eof: parser.take(),
        }),
        _ => Err(parser.error("'<eof>' expected")),
    }
}

struct Parser {
    /// The grammar's tokens still to read, the next one last; the first is the end of the source,
    /// which is never taken out.
    tokens: Vec<TokenReference>,
    depth: usize,
}

/// A binary operator's constructor, with its left and right priorities.
type Binary = (fn(TokenReference) -> BinOp, u8, u8);

/// The binary operator `symbol` stands for, with its left and right priorities (`lparser.c`'s
/// `priority` table).
fn binary(symbol: Symbol) -> Option<Binary> {
    Some(match symbol {
        Symbol::Plus => (BinOp::Plus, 6, 6),
        Symbol::Minus => (BinOp::Minus, 6, 6),
        Symbol::Star => (BinOp::Star, 7, 7),
        Symbol::Slash => (BinOp::Slash, 7, 7),
        Symbol::Percent => (BinOp::Percent, 7, 7),
        Symbol::Caret => (BinOp::Caret, 10, 9),
        Symbol::TwoDots => (BinOp::TwoDots, 5, 4),
        Symbol::TwoEqual => (BinOp::TwoEqual, 3, 3),
        Symbol::TildeEqual => (BinOp::TildeEqual, 3, 3),
        Symbol::LessThan => (BinOp::LessThan, 3, 3),
        Symbol::LessThanEqual => (BinOp::LessThanEqual, 3, 3),
        Symbol::GreaterThan => (BinOp::GreaterThan, 3, 3),
        Symbol::GreaterThanEqual => (BinOp::GreaterThanEqual, 3, 3),
        Symbol::And => (BinOp::And, 2, 2),
        Symbol::Or => (BinOp::Or, 1, 1),
        _ => return None,
    })
}

/// The priority of unary operators: above every binary one but `^`.
const UNARY_PRIORITY: u8 = 8;

impl Parser {
    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> &Token {
        let at = self.tokens.len().saturating_sub(1 + ahead);
        self.tokens[at].token()
    }

    fn symbol(&self) -> Option<Symbol> {
        match self.peek().token_type() {
            TokenType::Symbol { symbol } => Some(*symbol),
            _ => None,
        }
    }

    fn is(&self, symbol: Symbol) -> bool {
        self.symbol() == Some(symbol)
    }

    fn take(&mut self) -> TokenReference {
        if self.tokens.len() > 1
            && let Some(token) = self.tokens.pop()
        {
            return token;
        }
        self.tokens[0].clone()
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            line: self.peek().start_position().line(),
            message: format!("{} near '{}'", message.into(), self.peek()),
        }
    }

    fn expect(&mut self, symbol: Symbol) -> Result<TokenReference, ParseError> {
        if self.is(symbol) {
            Ok(self.take())
        } else {
            Err(self.error(format!("'{}' expected", symbol.as_str())))
        }
    }

    fn take_if(&mut self, symbol: Symbol) -> Option<TokenReference> {
        self.is(symbol).then(|| self.take())
    }

    fn name(&mut self) -> Result<TokenReference, ParseError> {
        match self.peek().token_type() {
            TokenType::Identifier { .. } => Ok(self.take()),
            _ => Err(self.error("<name> expected")),
        }
    }

    /// Runs `parse` one level deeper, refusing what Lua's own limit refuses.
    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("chunk has too many syntax levels"));
        }
        self.depth += 1;
        let parsed = parse(self);
        self.depth -= 1;
        parsed
    }

    fn block_follows(&self) -> bool {
        matches!(
            self.peek().token_type(),
            TokenType::Eof
                | TokenType::Symbol {
                    symbol: Symbol::Else | Symbol::ElseIf | Symbol::End | Symbol::Until
                }
        )
    }

    fn block(&mut self) -> Result<Block, ParseError> {
        self.nested(|parser| {
            let mut block = Block::default();
            while !parser.block_follows() {
                if parser.is(Symbol::Return) || parser.is(Symbol::Break) {
                    let last = parser.last_stmt()?;
                    let semicolon = parser.take_if(Symbol::Semicolon);
                    block.last_stmt = Some((last, semicolon));
                    break;
                }
                let stmt = parser.stmt()?;
                let semicolon = parser.take_if(Symbol::Semicolon);
                block.stmts.push((stmt, semicolon));
            }
            Ok(block)
        })
    }

    fn last_stmt(&mut self) -> Result<LastStmt, ParseError> {
        let token = self.take();
        if token.token_type()
            == &(TokenType::Symbol {
                symbol: Symbol::Break,
            })
        {
            return Ok(LastStmt::Break(token));
        }
        let returns = if self.block_follows() || self.is(Symbol::Semicolon) {
            Punctuated::default()
        } else {
            self.expression_list()?
        };
        Ok(LastStmt::Return(Return { token, returns }))
    }

    fn stmt(&mut self) -> Result<Stmt, ParseError> {
        Ok(match self.symbol() {
            Some(Symbol::If) => Stmt::If(Box::new(self.if_stmt()?)),
            Some(Symbol::While) => Stmt::While(Box::new(While {
                while_token: self.take(),
                condition: self.expression()?,
                do_token: self.expect(Symbol::Do)?,
                block: self.block()?,
                end_token: self.expect(Symbol::End)?,
            })),
            Some(Symbol::Do) => Stmt::Do(Box::new(Do {
                do_token: self.take(),
                block: self.block()?,
                end_token: self.expect(Symbol::End)?,
            })),
            Some(Symbol::For) => self.for_stmt()?,
            Some(Symbol::Repeat) => Stmt::Repeat(Box::new(Repeat {
                repeat_token: self.take(),
                block: self.block()?,
                until_token: self.expect(Symbol::Until)?,
                until: self.expression()?,
            })),
            Some(Symbol::Function) => {
                let function_token = self.take();
                let first = self.name()?;
                let names = self.separated(first, Symbol::Dot, Self::name)?;
                let colon_name = match self.take_if(Symbol::Colon) {
                    Some(colon) => Some((colon, self.name()?)),
                    None => None,
                };
                Stmt::FunctionDeclaration(Box::new(FunctionDeclaration {
                    function_token,
                    name: FunctionName { names, colon_name },
                    body: self.function_body()?,
                }))
            }
            Some(Symbol::Local) => {
                let local_token = self.take();
                if self.is(Symbol::Function) {
                    Stmt::LocalFunction(Box::new(LocalFunction {
                        local_token,
                        function_token: self.take(),
                        name: self.name()?,
                        body: self.function_body()?,
                    }))
                } else {
                    let first = self.name()?;
                    let name_list = self.separated(first, Symbol::Comma, Self::name)?;
                    let equal_token = self.take_if(Symbol::Equal);
                    let expr_list = match equal_token {
                        Some(_) => self.expression_list()?,
                        None => Punctuated::default(),
                    };
                    Stmt::LocalAssignment(LocalAssignment {
                        local_token,
                        name_list,
                        equal_token,
                        expr_list,
                    })
                }
            }
            _ => self.expression_stmt()?,
        })
    }

    fn if_stmt(&mut self) -> Result<If, ParseError> {
        let if_token = self.take();
        let condition = self.expression()?;
        let then_token = self.expect(Symbol::Then)?;
        let block = self.block()?;
        let mut else_ifs = Vec::new();
        while self.is(Symbol::ElseIf) {
            else_ifs.push(ElseIf {
                else_if_token: self.take(),
                condition: self.expression()?,
                then_token: self.expect(Symbol::Then)?,
                block: self.block()?,
            });
        }
        let else_token = self.take_if(Symbol::Else);
        let r#else = match else_token {
            Some(_) => Some(self.block()?),
            None => None,
        };
        Ok(If {
            if_token,
            condition,
            then_token,
            block,
            else_if: (!else_ifs.is_empty()).then_some(else_ifs),
            else_token,
            r#else,
            end_token: self.expect(Symbol::End)?,
        })
    }

    fn for_stmt(&mut self) -> Result<Stmt, ParseError> {
        let for_token = self.take();
        let first = self.name()?;
        if self.is(Symbol::Equal) {
            let equal_token = self.take();
            let start = self.expression()?;
            let start_end_comma = self.expect(Symbol::Comma)?;
            let end = self.expression()?;
            let end_step_comma = self.take_if(Symbol::Comma);
            let step = match end_step_comma {
                Some(_) => Some(self.expression()?),
                None => None,
            };
            return Ok(Stmt::NumericFor(Box::new(NumericFor {
                for_token,
                index_variable: first,
                equal_token,
                start,
                start_end_comma,
                end,
                end_step_comma,
                step,
                do_token: self.expect(Symbol::Do)?,
                block: self.block()?,
                end_token: self.expect(Symbol::End)?,
            })));
        }
        let names = self.separated(first, Symbol::Comma, Self::name)?;
        Ok(Stmt::GenericFor(Box::new(GenericFor {
            for_token,
            names,
            in_token: self.expect(Symbol::In)?,
            expr_list: self.expression_list()?,
            do_token: self.expect(Symbol::Do)?,
            block: self.block()?,
            end_token: self.expect(Symbol::End)?,
        })))
    }

    /// A call, or the first target of an assignment.
    fn expression_stmt(&mut self) -> Result<Stmt, ParseError> {
        let first = self.suffixed()?;
        if !self.is(Symbol::Equal) && !self.is(Symbol::Comma) {
            return match first {
                Suffixed::Call(call) => Ok(Stmt::FunctionCall(call)),
                _ => Err(self.error("syntax error")),
            };
        }
        let first = self.assignable(first)?;
        let var_list = self.separated(first, Symbol::Comma, |parser| {
            let next = parser.suffixed()?;
            parser.assignable(next)
        })?;
        Ok(Stmt::Assignment(Assignment {
            var_list,
            equal_token: self.expect(Symbol::Equal)?,
            expr_list: self.expression_list()?,
        }))
    }

    fn assignable(&self, suffixed: Suffixed) -> Result<Var, ParseError> {
        match suffixed {
            Suffixed::Var(var) => Ok(var),
            _ => Err(self.error("syntax error")),
        }
    }

    fn function_body(&mut self) -> Result<FunctionBody, ParseError> {
        let open = self.expect(Symbol::LeftParen)?;
        let mut parameters = Punctuated::default();
        if !self.is(Symbol::RightParen) {
            loop {
                let parameter = if self.is(Symbol::Ellipsis) {
                    Parameter::Ellipsis(self.take())
                } else {
                    Parameter::Name(self.name()?)
                };
                let ellipsis = matches!(parameter, Parameter::Ellipsis(_));
                match self.take_if(Symbol::Comma) {
                    Some(comma) if !ellipsis => parameters.push(Pair::Punctuated(parameter, comma)),
                    Some(_) => return Err(self.error("')' expected")),
                    None => {
                        parameters.push(Pair::End(parameter));
                        break;
                    }
                }
            }
        }
        let close = self.expect(Symbol::RightParen)?;
        Ok(FunctionBody {
            parameters_parentheses: ContainedSpan { open, close },
            parameters,
            block: self.block()?,
            end_token: self.expect(Symbol::End)?,
        })
    }

    fn expression_list(&mut self) -> Result<Punctuated<Expression>, ParseError> {
        let first = self.expression()?;
        self.separated(first, Symbol::Comma, Self::expression)
    }

    /// `first`, then `item`s for as long as each follows a `separator`.
    fn separated<T>(
        &mut self,
        first: T,
        separator: Symbol,
        mut item: impl FnMut(&mut Self) -> Result<T, ParseError>,
    ) -> Result<Punctuated<T>, ParseError> {
        let mut list = Punctuated::default();
        let mut last = first;
        while let Some(token) = self.take_if(separator) {
            let next = item(self)?;
            list.push(Pair::Punctuated(std::mem::replace(&mut last, next), token));
        }
        list.push(Pair::End(last));
        Ok(list)
    }

    fn expression(&mut self) -> Result<Expression, ParseError> {
        self.subexpression(0)
    }

    /// `lparser.c`'s `subexpr`: an operand, then every binary operator that binds tighter than
    /// `limit`.
    fn subexpression(&mut self, limit: u8) -> Result<Expression, ParseError> {
        self.nested(|parser| {
            let unary: Option<fn(TokenReference) -> UnOp> = match parser.symbol() {
                Some(Symbol::Not) => Some(UnOp::Not),
                Some(Symbol::Minus) => Some(UnOp::Minus),
                Some(Symbol::Hash) => Some(UnOp::Hash),
                _ => None,
            };
            let mut lhs = match unary {
                Some(unop) => {
                    let unop = unop(parser.take());
                    Expression::UnaryOperator {
                        unop,
                        expression: Box::new(parser.subexpression(UNARY_PRIORITY)?),
                    }
                }
                None => parser.simple()?,
            };
            let mut chained = 0;
            while let Some((binop, left, right)) = parser.symbol().and_then(binary) {
                if left <= limit {
                    break;
                }
                // A left-leaning chain is built here without recursion, but every walk of the tree
                // (and its drop) recurses once per operator: refused past the checks' own limit
                // (which `limits` reports first, for the text as Lua reads it).
                chained += 1;
                if chained > crate::MAX_OPERATOR_DEPTH {
                    return Err(parser.error("expression has too many operators"));
                }
                let binop = binop(parser.take());
                let rhs = parser.subexpression(right)?;
                lhs = Expression::BinaryOperator {
                    lhs: Box::new(lhs),
                    binop,
                    rhs: Box::new(rhs),
                };
            }
            Ok(lhs)
        })
    }

    fn simple(&mut self) -> Result<Expression, ParseError> {
        Ok(match self.peek().token_type() {
            TokenType::Number { .. } => Expression::Number(self.take()),
            TokenType::StringLiteral { .. } => Expression::String(self.take()),
            TokenType::Symbol {
                symbol: Symbol::Nil | Symbol::True | Symbol::False | Symbol::Ellipsis,
            } => Expression::Symbol(self.take()),
            TokenType::Symbol {
                symbol: Symbol::LeftBrace,
            } => Expression::TableConstructor(Box::new(self.table()?)),
            TokenType::Symbol {
                symbol: Symbol::Function,
            } => Expression::Function(Box::new(AnonymousFunction {
                function_token: self.take(),
                body: self.function_body()?,
            })),
            _ => match self.suffixed()? {
                Suffixed::Call(call) => Expression::FunctionCall(call),
                Suffixed::Var(var) => Expression::Var(var),
                Suffixed::Parentheses(expression) => expression,
            },
        })
    }

    /// A name or a parenthesized expression, then indexes and calls.
    fn suffixed(&mut self) -> Result<Suffixed, ParseError> {
        self.nested(|parser| {
            let prefix = if parser.is(Symbol::LeftParen) {
                let open = parser.take();
                let expression = parser.expression()?;
                let close = parser.expect(Symbol::RightParen)?;
                Prefix::Expression(Box::new(Expression::Parentheses {
                    contained: ContainedSpan { open, close },
                    expression: Box::new(expression),
                }))
            } else {
                match parser.peek().token_type() {
                    TokenType::Identifier { .. } => Prefix::Name(parser.take()),
                    _ => return Err(parser.error("unexpected symbol")),
                }
            };
            let mut suffixes = Vec::new();
            loop {
                let suffix = match parser.peek().token_type() {
                    TokenType::Symbol {
                        symbol: Symbol::Dot,
                    } => Suffix::Index(Index::Dot {
                        dot: parser.take(),
                        name: parser.name()?,
                    }),
                    TokenType::Symbol {
                        symbol: Symbol::LeftBracket,
                    } => {
                        let open = parser.take();
                        let expression = parser.expression()?;
                        let close = parser.expect(Symbol::RightBracket)?;
                        Suffix::Index(Index::Brackets {
                            brackets: ContainedSpan { open, close },
                            expression: Box::new(expression),
                        })
                    }
                    TokenType::Symbol {
                        symbol: Symbol::Colon,
                    } => Suffix::Call(Call::MethodCall(Box::new(MethodCall {
                        colon_token: parser.take(),
                        name: parser.name()?,
                        args: parser.function_args()?,
                    }))),
                    TokenType::Symbol {
                        symbol: Symbol::LeftParen | Symbol::LeftBrace,
                    }
                    | TokenType::StringLiteral { .. } => {
                        Suffix::Call(Call::AnonymousCall(Box::new(parser.function_args()?)))
                    }
                    _ => break,
                };
                suffixes.push(suffix);
            }
            Ok(match (prefix, suffixes.last()) {
                (Prefix::Name(name), None) => Suffixed::Var(Var::Name(name)),
                (Prefix::Expression(expression), None) => Suffixed::Parentheses(*expression),
                (prefix, Some(Suffix::Call(_))) => {
                    Suffixed::Call(FunctionCall { prefix, suffixes })
                }
                (prefix, Some(Suffix::Index(_))) => {
                    Suffixed::Var(Var::Expression(Box::new(VarExpression {
                        prefix,
                        suffixes,
                    })))
                }
            })
        })
    }

    fn function_args(&mut self) -> Result<FunctionArgs, ParseError> {
        match self.peek().token_type() {
            TokenType::StringLiteral { .. } => Ok(FunctionArgs::String(self.take())),
            TokenType::Symbol {
                symbol: Symbol::LeftBrace,
            } => Ok(FunctionArgs::TableConstructor(Box::new(self.table()?))),
            _ => {
                let open = self.expect(Symbol::LeftParen)?;
                let arguments = if self.is(Symbol::RightParen) {
                    Punctuated::default()
                } else {
                    self.expression_list()?
                };
                let close = self.expect(Symbol::RightParen)?;
                Ok(FunctionArgs::Parentheses {
                    parentheses: ContainedSpan { open, close },
                    arguments,
                })
            }
        }
    }

    fn table(&mut self) -> Result<TableConstructor, ParseError> {
        let open = self.expect(Symbol::LeftBrace)?;
        let mut fields = Punctuated::default();
        while !self.is(Symbol::RightBrace) {
            let field = if self.is(Symbol::LeftBracket) {
                let bracket = self.take();
                let key = self.expression()?;
                let close = self.expect(Symbol::RightBracket)?;
                Field::ExpressionKey {
                    brackets: ContainedSpan {
                        open: bracket,
                        close,
                    },
                    key: Box::new(key),
                    equal: self.expect(Symbol::Equal)?,
                    value: Box::new(self.expression()?),
                }
            } else if matches!(self.peek().token_type(), TokenType::Identifier { .. })
                && self.peek_at(1).token_type()
                    == &(TokenType::Symbol {
                        symbol: Symbol::Equal,
                    })
            {
                Field::NameKey {
                    key: self.take(),
                    equal: self.take(),
                    value: Box::new(self.expression()?),
                }
            } else {
                Field::NoKey(self.expression()?)
            };
            match self
                .take_if(Symbol::Comma)
                .or_else(|| self.take_if(Symbol::Semicolon))
            {
                Some(separator) => fields.push(Pair::Punctuated(field, separator)),
                None => {
                    fields.push(Pair::End(field));
                    break;
                }
            }
        }
        let close = self.expect(Symbol::RightBrace)?;
        Ok(TableConstructor {
            braces: ContainedSpan { open, close },
            fields,
        })
    }
}

/// What a suffixed expression turned out to be.
enum Suffixed {
    Call(FunctionCall),
    Var(Var),
    /// `(expression)` with nothing after it.
    Parentheses(Expression),
}
