/// Weight processing steps (fold LN, centring, value-bias folding, attention refactor).
public enum TLProcessing {}
