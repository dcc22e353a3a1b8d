local sep = "\400"
return KEYS[1] .. sep
