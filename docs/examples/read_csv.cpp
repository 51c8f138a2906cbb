// Reads a CSV file into typegrad datasets: chosen feature columns with a label column, then the same
// file as a regression set, then a file with a bad row to show what an error says.
#include <fstream>
#include <iostream>

#include <typegrad/io/csv.hpp>

namespace tg = typegrad;

int main() {
    std::ofstream("flowers.csv") << "petal_length,petal_width,sepal_length,species\n"
                                    "1.4,0.2,5.1,0\n"
                                    "4.7,1.4,7.0,1\n"
                                    "6.0,2.5,6.3,2\n";

    // Two features (columns 0 and 1) and the class in column 3; the header names columns in errors.
    tg::dataset<float, 2> flowers =
        tg::read_csv<float, 2>("flowers.csv", {.header = true, .features = {0, 1}, .targets = {3}, .classes = 3});
    std::cout << flowers.size() << " flowers, " << flowers.classes << " classes; the second is ("
              << flowers.inputs[1][0] << ", " << flowers.inputs[1][1] << ") of class " << flowers.targets[1] << '\n';

    // Regression: predict sepal_length (column 2) from the petal columns.
    tg::dataset<double, 2, tg::vec<double, 1>> sepals =
        tg::read_csv<double, 2, tg::vec<double, 1>>("flowers.csv", {.header = true, .features = {0, 1}, .targets = {2}});
    std::cout << "sepal length of the third: " << sepals.targets[2][0] << '\n';

    std::ofstream("broken.csv") << "petal_length,petal_width,species\n1.4,0.2,0\n4.7,wide,1\n";
    try {
        tg::read_csv<float, 2>("broken.csv", {.header = true});
    } catch (const tg::format_error& e) {
        std::cout << "error: " << e.what() << '\n';
    }
}
