/// The forward pass over canonical weights (OpenBLAS), with TransformerLens hook points.
public enum TLForward {}
