/*
 * The guest's VGA text screen, printed when the run ends (hv/vga_text.h).
 * Many kernels written for PCs print to the colour text buffer at
 * physical 0xB8000 (80 x 25 cells: a character byte, then an attribute
 * byte; IBM VGA Technical Reference "Alphanumeric Modes"). eptlab has no
 * display, but that buffer is ordinary guest RAM, so its characters can
 * be shown: every row that is not blank, trailing blanks cut, non-ASCII
 * bytes as '.'.
 */
#include "hv/vga_text.h"
#include "hv/vm.h"
#include "lib/console.h"

#define VGA_TEXT_GPA   0xB8000ULL
#define VGA_COLS       80
#define VGA_ROWS       25

void vga_text_print(struct vm *vm)
{
	uint8_t cells[VGA_COLS * 2];        /* one row: char, attribute */
	char line[VGA_COLS + 1];
	bool any = false;

	if (!vm_range_ok(vm, VGA_TEXT_GPA, VGA_ROWS * sizeof(cells)))
		return;
	for (unsigned r = 0; r < VGA_ROWS; r++) {
		int last = -1;

		if (vm_read(vm, VGA_TEXT_GPA + r * sizeof(cells), cells,
			    sizeof(cells)))
			return;
		for (unsigned c = 0; c < VGA_COLS; c++) {
			uint8_t ch = cells[2 * c];

			line[c] = (ch >= 0x20 && ch < 0x7F) ? (char)ch :
				  ch ? '.' : ' ';
			if (line[c] != ' ')
				last = (int)c;
		}
		if (last < 0)
			continue;
		if (!any)
			printf("vga: the guest's text screen (80x25 at GPA 0xb8000), "
			       "rows that are not blank:\n");
		any = true;
		line[last + 1] = '\0';
		printf("vga: %2u |%s\n", r, line);
	}
}
