/// Reference-dump loading, logit metrics and the verify report.
public enum TLVerify {}
