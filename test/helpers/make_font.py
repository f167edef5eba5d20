"""Rasterises printable ASCII from DejaVu Sans Mono (Bitstream Vera / DejaVu licence: free to use and
redistribute) into the 4-bit coverage table of src/view/font.ts. Run with the system python (PIL):
    /usr/bin/python3 test/helpers/make_font.py > /tmp/font.txt
"""
import base64
from PIL import Image, ImageDraw, ImageFont

SIZE = 14
font = ImageFont.truetype('/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf', SIZE)
ascent, descent = font.getmetrics()
width = round(font.getlength('M'))
height = ascent + descent
nibbles = []
for code in range(32, 127):
    img = Image.new('L', (width, height), 0)
    ImageDraw.Draw(img).text((0, 0), chr(code), font=font, fill=255)
    nibbles += [round(v / 17) for v in img.getdata()]
if len(nibbles) % 2:
    nibbles.append(0)
packed = bytes((nibbles[i] << 4) | nibbles[i + 1] for i in range(0, len(nibbles), 2))
print(width, height)
print(base64.b64encode(packed).decode())
