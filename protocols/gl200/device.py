"""placeholder"""
class Gl200Device:
    pass
