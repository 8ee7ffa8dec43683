def make_containers(fixtures, cases): pass
def make_tokenizers(fixtures, corpus): pass
def make_caches(fixtures, cases): pass
def write_readme(fixtures, cases): pass
