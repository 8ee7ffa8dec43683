/// Architecture modules: one file per Hugging Face family, each a declaration of
/// feature flags and a tensor-name map; plus the registry and the model zoo.
public enum ModelConfigs {}
