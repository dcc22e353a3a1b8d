#!python
print(1)
