//! The syntax tree of a Lua 5.1 chunk: every token kept, with the whitespace and comments before it.

use super::tokenizer::TokenReference;

pub(crate) mod punctuated {
    //! Lists with their separators.

    /// A list of `T` separated by commas (or `;` in a table).
    #[derive(Clone, Debug, PartialEq)]
    pub(crate) struct Punctuated<T> {
        pairs: Vec<Pair<T>>,
    }

    /// An item, with the separator after it unless it is the last.
    #[derive(Clone, Debug, PartialEq)]
    pub(crate) enum Pair<T> {
        Punctuated(T, super::TokenReference),
        End(T),
    }

    impl<T> Pair<T> {
        pub(crate) fn value(&self) -> &T {
            match self {
                Pair::Punctuated(value, _) | Pair::End(value) => value,
            }
        }

        pub(crate) fn punctuation(&self) -> Option<&super::TokenReference> {
            match self {
                Pair::Punctuated(_, separator) => Some(separator),
                Pair::End(_) => None,
            }
        }
    }

    impl<T> Default for Punctuated<T> {
        fn default() -> Self {
            Punctuated { pairs: Vec::new() }
        }
    }

    impl<T> Punctuated<T> {
        pub(crate) fn push(&mut self, pair: Pair<T>) {
            self.pairs.push(pair);
        }

        pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
            self.pairs.iter().map(Pair::value)
        }

        pub(crate) fn pairs(&self) -> std::slice::Iter<'_, Pair<T>> {
            self.pairs.iter()
        }

        pub(crate) fn len(&self) -> usize {
            self.pairs.len()
        }

        pub(crate) fn is_empty(&self) -> bool {
            self.pairs.is_empty()
        }

        pub(crate) fn last(&self) -> Option<&Pair<T>> {
            self.pairs.last()
        }
    }

    impl<'a, T> IntoIterator for &'a Punctuated<T> {
        type Item = &'a T;
        type IntoIter = std::iter::Map<std::slice::Iter<'a, Pair<T>>, fn(&Pair<T>) -> &T>;

        fn into_iter(self) -> Self::IntoIter {
            self.pairs.iter().map(Pair::value)
        }
    }
}

use punctuated::Punctuated;

/// A parsed chunk.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ast {
    pub(super) nodes: Block,
    pub(super) eof: TokenReference,
}

impl Ast {
    /// The chunk's statements.
    pub(crate) fn nodes(&self) -> &Block {
        &self.nodes
    }
}

/// Statements, each with its optional `;`, then a last statement (`return`, `break`).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Block {
    pub(super) stmts: Vec<(Stmt, Option<TokenReference>)>,
    pub(super) last_stmt: Option<(LastStmt, Option<TokenReference>)>,
}

impl Block {
    pub(crate) fn stmts(&self) -> impl Iterator<Item = &Stmt> {
        self.stmts.iter().map(|(stmt, _)| stmt)
    }

    pub(crate) fn last_stmt(&self) -> Option<&LastStmt> {
        self.last_stmt.as_ref().map(|(stmt, _)| stmt)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum LastStmt {
    Break(TokenReference),
    Return(Return),
}

/// `return a, b`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Return {
    pub(super) token: TokenReference,
    pub(super) returns: Punctuated<Expression>,
}

impl Return {
    pub(crate) fn returns(&self) -> &Punctuated<Expression> {
        &self.returns
    }
}

/// A field of a table constructor.
#[derive(Clone, Debug, PartialEq)]
#[expect(
    clippy::enum_variant_names,
    reason = "each name says how the field's key is written"
)]
pub(crate) enum Field {
    /// `[key] = value`
    ExpressionKey {
        brackets: ContainedSpan,
        key: Box<Expression>,
        equal: TokenReference,
        value: Box<Expression>,
    },
    /// `key = value`
    NameKey {
        key: TokenReference,
        equal: TokenReference,
        value: Box<Expression>,
    },
    /// `value`
    NoKey(Expression),
}

/// A pair of brackets, braces or parentheses.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ContainedSpan {
    pub(super) open: TokenReference,
    pub(super) close: TokenReference,
}

impl ContainedSpan {
    pub(crate) fn tokens(&self) -> (&TokenReference, &TokenReference) {
        (&self.open, &self.close)
    }
}

/// `{ ... }`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TableConstructor {
    pub(super) braces: ContainedSpan,
    pub(super) fields: Punctuated<Field>,
}

impl TableConstructor {
    pub(crate) fn braces(&self) -> &ContainedSpan {
        &self.braces
    }

    pub(crate) fn fields(&self) -> &Punctuated<Field> {
        &self.fields
    }
}

/// `function (...) ... end` as a value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AnonymousFunction {
    pub(super) function_token: TokenReference,
    pub(super) body: FunctionBody,
}

impl AnonymousFunction {
    pub(crate) fn body(&self) -> &FunctionBody {
        &self.body
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expression {
    BinaryOperator {
        lhs: Box<Expression>,
        binop: BinOp,
        rhs: Box<Expression>,
    },
    Parentheses {
        contained: ContainedSpan,
        expression: Box<Expression>,
    },
    UnaryOperator {
        unop: UnOp,
        expression: Box<Expression>,
    },
    Function(Box<AnonymousFunction>),
    FunctionCall(FunctionCall),
    TableConstructor(Box<TableConstructor>),
    Number(TokenReference),
    String(TokenReference),
    /// `nil`, `true`, `false`, `...`
    Symbol(TokenReference),
    Var(Var),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Stmt {
    Assignment(Assignment),
    Do(Box<Do>),
    FunctionCall(FunctionCall),
    FunctionDeclaration(Box<FunctionDeclaration>),
    GenericFor(Box<GenericFor>),
    If(Box<If>),
    LocalAssignment(LocalAssignment),
    LocalFunction(Box<LocalFunction>),
    NumericFor(Box<NumericFor>),
    Repeat(Box<Repeat>),
    While(Box<While>),
}

/// What a call or an index applies to: a name, or an expression in parentheses.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Prefix {
    Expression(Box<Expression>),
    Name(TokenReference),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Index {
    /// `[expression]`
    Brackets {
        brackets: ContainedSpan,
        expression: Box<Expression>,
    },
    /// `.name`
    Dot {
        dot: TokenReference,
        name: TokenReference,
    },
}

/// A call's arguments.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FunctionArgs {
    Parentheses {
        parentheses: ContainedSpan,
        arguments: Punctuated<Expression>,
    },
    String(TokenReference),
    TableConstructor(Box<TableConstructor>),
}

/// `for i = start, end, step do ... end`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NumericFor {
    pub(super) for_token: TokenReference,
    pub(super) index_variable: TokenReference,
    pub(super) equal_token: TokenReference,
    pub(super) start: Expression,
    pub(super) start_end_comma: TokenReference,
    pub(super) end: Expression,
    pub(super) end_step_comma: Option<TokenReference>,
    pub(super) step: Option<Expression>,
    pub(super) do_token: TokenReference,
    pub(super) block: Block,
    pub(super) end_token: TokenReference,
}

impl NumericFor {
    pub(crate) fn do_token(&self) -> &TokenReference {
        &self.do_token
    }

    pub(crate) fn index_variable(&self) -> &TokenReference {
        &self.index_variable
    }

    pub(crate) fn start(&self) -> &Expression {
        &self.start
    }

    pub(crate) fn end(&self) -> &Expression {
        &self.end
    }

    pub(crate) fn step(&self) -> Option<&Expression> {
        self.step.as_ref()
    }

    pub(crate) fn block(&self) -> &Block {
        &self.block
    }
}

/// `for k, v in explist do ... end`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct GenericFor {
    pub(super) for_token: TokenReference,
    pub(super) names: Punctuated<TokenReference>,
    pub(super) in_token: TokenReference,
    pub(super) expr_list: Punctuated<Expression>,
    pub(super) do_token: TokenReference,
    pub(super) block: Block,
    pub(super) end_token: TokenReference,
}

impl GenericFor {
    pub(crate) fn for_token(&self) -> &TokenReference {
        &self.for_token
    }

    pub(crate) fn names(&self) -> &Punctuated<TokenReference> {
        &self.names
    }

    pub(crate) fn expressions(&self) -> &Punctuated<Expression> {
        &self.expr_list
    }

    pub(crate) fn block(&self) -> &Block {
        &self.block
    }
}

/// `if ... then ... elseif ... else ... end`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct If {
    pub(super) if_token: TokenReference,
    pub(super) condition: Expression,
    pub(super) then_token: TokenReference,
    pub(super) block: Block,
    pub(super) else_if: Option<Vec<ElseIf>>,
    pub(super) else_token: Option<TokenReference>,
    pub(super) r#else: Option<Block>,
    pub(super) end_token: TokenReference,
}

impl If {
    pub(crate) fn condition(&self) -> &Expression {
        &self.condition
    }

    pub(crate) fn block(&self) -> &Block {
        &self.block
    }

    pub(crate) fn else_if(&self) -> Option<&Vec<ElseIf>> {
        self.else_if.as_ref()
    }

    pub(crate) fn else_block(&self) -> Option<&Block> {
        self.r#else.as_ref()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ElseIf {
    pub(super) else_if_token: TokenReference,
    pub(super) condition: Expression,
    pub(super) then_token: TokenReference,
    pub(super) block: Block,
}

impl ElseIf {
    pub(crate) fn condition(&self) -> &Expression {
        &self.condition
    }

    pub(crate) fn block(&self) -> &Block {
        &self.block
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct While {
    pub(super) while_token: TokenReference,
    pub(super) condition: Expression,
    pub(super) do_token: TokenReference,
    pub(super) block: Block,
    pub(super) end_token: TokenReference,
}

impl While {
    pub(crate) fn while_token(&self) -> &TokenReference {
        &self.while_token
    }

    pub(crate) fn condition(&self) -> &Expression {
        &self.condition
    }

    pub(crate) fn block(&self) -> &Block {
        &self.block
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Repeat {
    pub(super) repeat_token: TokenReference,
    pub(super) block: Block,
    pub(super) until_token: TokenReference,
    pub(super) until: Expression,
}

impl Repeat {
    pub(crate) fn repeat_token(&self) -> &TokenReference {
        &self.repeat_token
    }

    pub(crate) fn block(&self) -> &Block {
        &self.block
    }

    pub(crate) fn until(&self) -> &Expression {
        &self.until
    }
}

/// `:name(args)`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MethodCall {
    pub(super) colon_token: TokenReference,
    pub(super) name: TokenReference,
    pub(super) args: FunctionArgs,
}

impl MethodCall {
    pub(crate) fn colon_token(&self) -> &TokenReference {
        &self.colon_token
    }

    pub(crate) fn args(&self) -> &FunctionArgs {
        &self.args
    }

    pub(crate) fn name(&self) -> &TokenReference {
        &self.name
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Call {
    AnonymousCall(Box<FunctionArgs>),
    MethodCall(Box<MethodCall>),
}

/// `(parameters) block end`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FunctionBody {
    pub(super) parameters_parentheses: ContainedSpan,
    pub(super) parameters: Punctuated<Parameter>,
    pub(super) block: Block,
    pub(super) end_token: TokenReference,
}

impl FunctionBody {
    pub(crate) fn parameters(&self) -> &Punctuated<Parameter> {
        &self.parameters
    }

    pub(crate) fn block(&self) -> &Block {
        &self.block
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Parameter {
    Ellipsis(TokenReference),
    Name(TokenReference),
}

/// What follows a prefix: an index or a call.
#[derive(Clone, Debug, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "a tree is built once per script and then only read: boxing each index would cost an \
              allocation per index for no gain"
)]
pub(crate) enum Suffix {
    Call(Call),
    Index(Index),
}

/// A prefix with suffixes that ends in an index (`a.b[c]`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct VarExpression {
    pub(super) prefix: Prefix,
    pub(super) suffixes: Vec<Suffix>,
}

impl VarExpression {
    pub(crate) fn prefix(&self) -> &Prefix {
        &self.prefix
    }

    pub(crate) fn suffixes(&self) -> impl Iterator<Item = &Suffix> {
        self.suffixes.iter()
    }
}

/// Something that can be assigned to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Var {
    Expression(Box<VarExpression>),
    Name(TokenReference),
}

/// `a, b.c = x, y`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Assignment {
    pub(super) var_list: Punctuated<Var>,
    pub(super) equal_token: TokenReference,
    pub(super) expr_list: Punctuated<Expression>,
}

impl Assignment {
    pub(crate) fn expressions(&self) -> &Punctuated<Expression> {
        &self.expr_list
    }

    pub(crate) fn variables(&self) -> &Punctuated<Var> {
        &self.var_list
    }
}

/// `local function name(...) ... end`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LocalFunction {
    pub(super) local_token: TokenReference,
    pub(super) function_token: TokenReference,
    pub(super) name: TokenReference,
    pub(super) body: FunctionBody,
}

impl LocalFunction {
    pub(crate) fn body(&self) -> &FunctionBody {
        &self.body
    }

    pub(crate) fn name(&self) -> &TokenReference {
        &self.name
    }
}

/// `local a, b = x, y`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LocalAssignment {
    pub(super) local_token: TokenReference,
    pub(super) name_list: Punctuated<TokenReference>,
    pub(super) equal_token: Option<TokenReference>,
    pub(super) expr_list: Punctuated<Expression>,
}

impl LocalAssignment {
    pub(crate) fn local_token(&self) -> &TokenReference {
        &self.local_token
    }

    pub(crate) fn expressions(&self) -> &Punctuated<Expression> {
        &self.expr_list
    }

    pub(crate) fn names(&self) -> &Punctuated<TokenReference> {
        &self.name_list
    }
}

/// `do ... end`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Do {
    pub(super) do_token: TokenReference,
    pub(super) block: Block,
    pub(super) end_token: TokenReference,
}

impl Do {
    pub(crate) fn block(&self) -> &Block {
        &self.block
    }
}

/// A prefix with suffixes that ends in a call (`redis.call(...)`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FunctionCall {
    pub(super) prefix: Prefix,
    pub(super) suffixes: Vec<Suffix>,
}

impl FunctionCall {
    pub(crate) fn prefix(&self) -> &Prefix {
        &self.prefix
    }

    pub(crate) fn suffixes(&self) -> impl Iterator<Item = &Suffix> {
        self.suffixes.iter()
    }
}

/// `a.b.c` or `a.b:c` after `function`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FunctionName {
    pub(super) names: Punctuated<TokenReference>,
    pub(super) colon_name: Option<(TokenReference, TokenReference)>,
}

impl FunctionName {
    pub(crate) fn method_name(&self) -> Option<&TokenReference> {
        self.colon_name.as_ref().map(|(_, name)| name)
    }

    pub(crate) fn names(&self) -> &Punctuated<TokenReference> {
        &self.names
    }
}

/// `function a.b:c(...) ... end`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FunctionDeclaration {
    pub(super) function_token: TokenReference,
    pub(super) name: FunctionName,
    pub(super) body: FunctionBody,
}

impl FunctionDeclaration {
    pub(crate) fn function_token(&self) -> &TokenReference {
        &self.function_token
    }

    pub(crate) fn body(&self) -> &FunctionBody {
        &self.body
    }

    pub(crate) fn name(&self) -> &FunctionName {
        &self.name
    }
}

/// Generates [`BinOp`] and [`UnOp`], each variant holding its token.
macro_rules! operators {
    ($name:ident { $($variant:ident),+ $(,)? }) => {
        #[derive(Clone, Debug, PartialEq)]
        pub(crate) enum $name {
            $($variant(TokenReference),)+
        }

        impl $name {
            pub(crate) fn token(&self) -> &TokenReference {
                match self {
                    $($name::$variant(token) => token,)+
                }
            }
        }
    };
}

operators!(BinOp {
    And,
    Caret,
    GreaterThan,
    GreaterThanEqual,
    LessThan,
    LessThanEqual,
    Minus,
    Or,
    Percent,
    Plus,
    Slash,
    Star,
    TildeEqual,
    TwoDots,
    TwoEqual,
});

operators!(UnOp { Minus, Not, Hash });
