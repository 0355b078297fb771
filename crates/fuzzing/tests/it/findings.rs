//! Inputs the longer fuzz runs found that broke a parser, each kept in its target's corpus
//! (`fuzz/corpus/<target>/finding-*`) and checked here by name.
