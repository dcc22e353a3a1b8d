//! Visitors: a method for each kind of node the checks look for, called on entering it (and, with
//! `_end`, on leaving it), in source order.

use super::ast::*;
use super::node::{NodeRef, Walk, Walker};

/// Generates [`Visitor`] and the walker that calls it.
macro_rules! visitor {
    ($($kind:ident => $visit:ident, $visit_end:ident;)+) => {
        /// Called for the nodes of a tree, in source order.
        pub(crate) trait Visitor {
            /// Walks the whole tree.
            fn visit_ast(&mut self, ast: &Ast)
            where
                Self: Sized,
            {
                ast.walk(&mut Calls(self));
            }

            $(
                fn $visit(&mut self, _node: &$kind) {}
                fn $visit_end(&mut self, _node: &$kind) {}
            )+
        }

        /// Turns the walk's entering and leaving into a visitor's calls.
        struct Calls<'v, V>(&'v mut V);

        impl<'a, V: Visitor> Walker<'a> for Calls<'_, V> {
            fn enter(&mut self, node: NodeRef<'a>) {
                match node {
                    $(NodeRef::$kind(node) => self.0.$visit(node),)+
                }
            }

            fn leave(&mut self, node: NodeRef<'a>) {
                match node {
                    $(NodeRef::$kind(node) => self.0.$visit_end(node),)+
                }
            }
        }
    };
}

visitor! {
    Assignment => visit_assignment, visit_assignment_end;
    FunctionBody => visit_function_body, visit_function_body_end;
    FunctionCall => visit_function_call, visit_function_call_end;
    FunctionDeclaration => visit_function_declaration, visit_function_declaration_end;
    GenericFor => visit_generic_for, visit_generic_for_end;
    LocalAssignment => visit_local_assignment, visit_local_assignment_end;
    LocalFunction => visit_local_function, visit_local_function_end;
    NumericFor => visit_numeric_for, visit_numeric_for_end;
    Prefix => visit_prefix, visit_prefix_end;
    TableConstructor => visit_table_constructor, visit_table_constructor_end;
    Var => visit_var, visit_var_end;
}
