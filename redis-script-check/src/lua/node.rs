//! One walk over every node and token in source order, which the visitors, the positions of a node
//! and its text are all read from.

use super::ast::punctuated::{Pair, Punctuated};
use super::ast::*;
use super::tokenizer::{Position, TokenReference};
use std::fmt;

/// A reference to any node the walk enters.
#[derive(Clone, Copy)]
pub(crate) enum NodeRef<'a> {
    Assignment(&'a Assignment),
    FunctionBody(&'a FunctionBody),
    FunctionCall(&'a FunctionCall),
    FunctionDeclaration(&'a FunctionDeclaration),
    GenericFor(&'a GenericFor),
    LocalAssignment(&'a LocalAssignment),
    LocalFunction(&'a LocalFunction),
    NumericFor(&'a NumericFor),
    Prefix(&'a Prefix),
    TableConstructor(&'a TableConstructor),
    Var(&'a Var),
}

/// What the walk calls: on entering a node, on leaving it, and for each token.
pub(crate) trait Walker<'a> {
    fn enter(&mut self, _node: NodeRef<'a>) {}
    fn leave(&mut self, _node: NodeRef<'a>) {}
    fn token(&mut self, _token: &'a TokenReference) {}
}

/// A node of the tree, or a token.
pub(crate) trait Walk {
    /// Walks this node's children and tokens in source order.
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>);
}

/// Where a node is, and what tokens it is made of.
pub(crate) trait Node: Walk {
    /// Its tokens, in source order.
    fn tokens(&self) -> std::vec::IntoIter<&TokenReference> {
        struct Tokens<'a>(Vec<&'a TokenReference>);
        impl<'a> Walker<'a> for Tokens<'a> {
            fn token(&mut self, token: &'a TokenReference) {
                self.0.push(token);
            }
        }
        let mut tokens = Tokens(Vec::new());
        self.walk(&mut tokens);
        tokens.0.into_iter()
    }

    /// Where its first token starts; `None` for a node without tokens (an empty block).
    fn start_position(&self) -> Option<Position> {
        self.ends().map(|(first, _)| first.token().start_position())
    }

    /// Just after its last token.
    fn end_position(&self) -> Option<Position> {
        self.ends().map(|(_, last)| last.token().end_position())
    }

    /// Its first and last tokens, found without collecting the ones between.
    fn ends(&self) -> Option<(&TokenReference, &TokenReference)> {
        struct Ends<'a>(Option<(&'a TokenReference, &'a TokenReference)>);
        impl<'a> Walker<'a> for Ends<'a> {
            fn token(&mut self, token: &'a TokenReference) {
                let first = self.0.map_or(token, |(first, _)| first);
                self.0 = Some((first, token));
            }
        }
        let mut ends = Ends(None);
        self.walk(&mut ends);
        ends.0
    }
}

impl<T: Walk + ?Sized> Node for T {}

/// Walks a node the walker enters and leaves.
fn entered<'a>(
    walker: &mut dyn Walker<'a>,
    node: NodeRef<'a>,
    children: impl FnOnce(&mut dyn Walker<'a>),
) {
    walker.enter(node);
    children(walker);
    walker.leave(node);
}

impl Walk for TokenReference {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        walker.token(self);
    }
}

impl<T: Walk> Walk for Option<T> {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        if let Some(node) = self {
            node.walk(walker);
        }
    }
}

impl<T: Walk> Walk for Box<T> {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        (**self).walk(walker);
    }
}

impl<T: Walk> Walk for Vec<T> {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        for node in self {
            node.walk(walker);
        }
    }
}

impl<A: Walk, B: Walk> Walk for (A, B) {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.0.walk(walker);
        self.1.walk(walker);
    }
}

impl<T: Walk> Walk for Pair<T> {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.value().walk(walker);
        if let Some(separator) = self.punctuation() {
            separator.walk(walker);
        }
    }
}

impl<T: Walk> Walk for Punctuated<T> {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        for pair in self.pairs() {
            pair.walk(walker);
        }
    }
}

impl Walk for Ast {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.nodes.walk(walker);
        self.eof.walk(walker);
    }
}

impl Walk for Block {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.stmts.walk(walker);
        self.last_stmt.walk(walker);
    }
}

impl Walk for LastStmt {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        match self {
            LastStmt::Break(token) => token.walk(walker),
            LastStmt::Return(ret) => ret.walk(walker),
        }
    }
}

impl Walk for Return {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.token.walk(walker);
        self.returns.walk(walker);
    }
}

impl Walk for Stmt {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        match self {
            Stmt::Assignment(node) => node.walk(walker),
            Stmt::Do(node) => node.walk(walker),
            Stmt::FunctionCall(node) => node.walk(walker),
            Stmt::FunctionDeclaration(node) => node.walk(walker),
            Stmt::GenericFor(node) => node.walk(walker),
            Stmt::If(node) => node.walk(walker),
            Stmt::LocalAssignment(node) => node.walk(walker),
            Stmt::LocalFunction(node) => node.walk(walker),
            Stmt::NumericFor(node) => node.walk(walker),
            Stmt::Repeat(node) => node.walk(walker),
            Stmt::While(node) => node.walk(walker),
        }
    }
}

impl Walk for Assignment {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        entered(walker, NodeRef::Assignment(self), |walker| {
            self.var_list.walk(walker);
            self.equal_token.walk(walker);
            self.expr_list.walk(walker);
        });
    }
}

impl Walk for Do {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.do_token.walk(walker);
        self.block.walk(walker);
        self.end_token.walk(walker);
    }
}

impl Walk for FunctionDeclaration {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        entered(walker, NodeRef::FunctionDeclaration(self), |walker| {
            self.function_token.walk(walker);
            self.name.walk(walker);
            self.body.walk(walker);
        });
    }
}

impl Walk for FunctionName {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.names.walk(walker);
        if let Some((colon, name)) = &self.colon_name {
            colon.walk(walker);
            name.walk(walker);
        }
    }
}

impl Walk for GenericFor {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        entered(walker, NodeRef::GenericFor(self), |walker| {
            self.for_token.walk(walker);
            self.names.walk(walker);
            self.in_token.walk(walker);
            self.expr_list.walk(walker);
            self.do_token.walk(walker);
            self.block.walk(walker);
            self.end_token.walk(walker);
        });
    }
}

impl Walk for NumericFor {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        entered(walker, NodeRef::NumericFor(self), |walker| {
            self.for_token.walk(walker);
            self.index_variable.walk(walker);
            self.equal_token.walk(walker);
            self.start.walk(walker);
            self.start_end_comma.walk(walker);
            self.end.walk(walker);
            self.end_step_comma.walk(walker);
            self.step.walk(walker);
            self.do_token.walk(walker);
            self.block.walk(walker);
            self.end_token.walk(walker);
        });
    }
}

impl Walk for If {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.if_token.walk(walker);
        self.condition.walk(walker);
        self.then_token.walk(walker);
        self.block.walk(walker);
        self.else_if.walk(walker);
        self.else_token.walk(walker);
        self.r#else.walk(walker);
        self.end_token.walk(walker);
    }
}

impl Walk for ElseIf {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.else_if_token.walk(walker);
        self.condition.walk(walker);
        self.then_token.walk(walker);
        self.block.walk(walker);
    }
}

impl Walk for While {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.while_token.walk(walker);
        self.condition.walk(walker);
        self.do_token.walk(walker);
        self.block.walk(walker);
        self.end_token.walk(walker);
    }
}

impl Walk for Repeat {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.repeat_token.walk(walker);
        self.block.walk(walker);
        self.until_token.walk(walker);
        self.until.walk(walker);
    }
}

impl Walk for LocalAssignment {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        entered(walker, NodeRef::LocalAssignment(self), |walker| {
            self.local_token.walk(walker);
            self.name_list.walk(walker);
            self.equal_token.walk(walker);
            self.expr_list.walk(walker);
        });
    }
}

impl Walk for LocalFunction {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        entered(walker, NodeRef::LocalFunction(self), |walker| {
            self.local_token.walk(walker);
            self.function_token.walk(walker);
            self.name.walk(walker);
            self.body.walk(walker);
        });
    }
}

impl Walk for FunctionBody {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        entered(walker, NodeRef::FunctionBody(self), |walker| {
            self.parameters_parentheses.open.walk(walker);
            self.parameters.walk(walker);
            self.parameters_parentheses.close.walk(walker);
            self.block.walk(walker);
            self.end_token.walk(walker);
        });
    }
}

impl Walk for Parameter {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        match self {
            Parameter::Ellipsis(token) | Parameter::Name(token) => token.walk(walker),
        }
    }
}

impl Walk for AnonymousFunction {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.function_token.walk(walker);
        self.body.walk(walker);
    }
}

impl Walk for Expression {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        match self {
            Expression::BinaryOperator { lhs, binop, rhs } => {
                lhs.walk(walker);
                binop.token().walk(walker);
                rhs.walk(walker);
            }
            Expression::Parentheses {
                contained,
                expression,
            } => {
                contained.open.walk(walker);
                expression.walk(walker);
                contained.close.walk(walker);
            }
            Expression::UnaryOperator { unop, expression } => {
                unop.token().walk(walker);
                expression.walk(walker);
            }
            Expression::Function(function) => function.walk(walker),
            Expression::FunctionCall(call) => call.walk(walker),
            Expression::TableConstructor(table) => table.walk(walker),
            Expression::Number(token) | Expression::String(token) | Expression::Symbol(token) => {
                token.walk(walker)
            }
            Expression::Var(var) => var.walk(walker),
        }
    }
}

impl Walk for Var {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        entered(walker, NodeRef::Var(self), |walker| match self {
            Var::Expression(expression) => expression.walk(walker),
            Var::Name(name) => name.walk(walker),
        });
    }
}

impl Walk for VarExpression {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        self.prefix.walk(walker);
        self.suffixes.walk(walker);
    }
}

impl Walk for FunctionCall {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        entered(walker, NodeRef::FunctionCall(self), |walker| {
            self.prefix.walk(walker);
            self.suffixes.walk(walker);
        });
    }
}

impl Walk for Prefix {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        entered(walker, NodeRef::Prefix(self), |walker| match self {
            Prefix::Expression(expression) => expression.walk(walker),
            Prefix::Name(name) => name.walk(walker),
        });
    }
}

impl Walk for Suffix {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        match self {
            Suffix::Call(call) => call.walk(walker),
            Suffix::Index(index) => index.walk(walker),
        }
    }
}

impl Walk for Index {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        match self {
            Index::Brackets {
                brackets,
                expression,
            } => {
                brackets.open.walk(walker);
                expression.walk(walker);
                brackets.close.walk(walker);
            }
            Index::Dot { dot, name } => {
                dot.walk(walker);
                name.walk(walker);
            }
        }
    }
}

impl Walk for Call {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        match self {
            Call::AnonymousCall(args) => args.walk(walker),
            Call::MethodCall(method) => {
                method.colon_token.walk(walker);
                method.name.walk(walker);
                method.args.walk(walker);
            }
        }
    }
}

impl Walk for FunctionArgs {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        match self {
            FunctionArgs::Parentheses {
                parentheses,
                arguments,
            } => {
                parentheses.open.walk(walker);
                arguments.walk(walker);
                parentheses.close.walk(walker);
            }
            FunctionArgs::String(token) => token.walk(walker),
            FunctionArgs::TableConstructor(table) => table.walk(walker),
        }
    }
}

impl Walk for TableConstructor {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        entered(walker, NodeRef::TableConstructor(self), |walker| {
            self.braces.open.walk(walker);
            self.fields.walk(walker);
            self.braces.close.walk(walker);
        });
    }
}

impl Walk for Field {
    fn walk<'a>(&'a self, walker: &mut dyn Walker<'a>) {
        match self {
            Field::ExpressionKey {
                brackets,
                key,
                equal,
                value,
            } => {
                brackets.open.walk(walker);
                key.walk(walker);
                brackets.close.walk(walker);
                equal.walk(walker);
                value.walk(walker);
            }
            Field::NameKey { key, equal, value } => {
                key.walk(walker);
                equal.walk(walker);
                value.walk(walker);
            }
            Field::NoKey(value) => value.walk(walker),
        }
    }
}

/// Displays nodes as their source text from the first token to the last, the whitespace and
/// comments between them included.
macro_rules! display_as_source {
    ($($node:ty),+ $(,)?) => {
        $(impl fmt::Display for $node {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut tokens = self.tokens();
                if let Some(first) = tokens.next() {
                    write!(f, "{}", first.token())?;
                }
                tokens.try_for_each(|token| write!(f, "{token}"))
            }
        })+
    };
}

display_as_source!(
    Expression,
    Var,
    Prefix,
    FunctionCall,
    Block,
    Stmt,
    TableConstructor,
    Field
);
