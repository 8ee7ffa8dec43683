enum TLVerifyPlaceholder {}
