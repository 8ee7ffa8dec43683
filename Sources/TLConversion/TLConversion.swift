/// The conversion pipeline: resolve → read → map → process → write.
public enum TLConversion {}
