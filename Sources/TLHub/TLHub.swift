/// Model-name resolution, the Hugging Face cache layout and downloads.
public enum TLHub {}
