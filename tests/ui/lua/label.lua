local i = 0
::again::
i = i + 1
return i
