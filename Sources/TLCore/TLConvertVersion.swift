/// The tool's version, recorded in every output's metadata.
public enum TLConvertVersion {
    public static let string = "0.1.0"
}
