"""Helpers for working with the pocketsphinx en-us PTM acoustic model without pocketsphinx.

Modules:
  frontend  numpy reference of the acoustic front end (the Rust crate elocute-features must match it)
  model     readers for the raw model files (mdef, means, variances, transition_matrices, sendump)
  scorer    exact senone / CI-state log-likelihoods in numpy (float64)
  graph     the ONNX graph that computes the same CI-state scores

Scripts: make_fixture.py (test fixture of crates/elocute-features), check_pocketsphinx_fe.py
(numpy front end vs the cepstra pocketsphinx itself logs). The converter is scripts/convert_pocketsphinx.py.
"""
