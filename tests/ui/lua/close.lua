local handle <close> = nil
return 1
